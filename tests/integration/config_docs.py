#!/usr/bin/env python3
"""config_docs.py - every configuration key sipd knows (sipd -H, i.e. the table in
src/config.c) is documented in man/sipd.conf.5 with its default, and appears in the sample
etc/sipd.conf inside its group.  Prints one line per omission saying what to add where;
exit status 1 when there is any."""
import re
import subprocess
import sys

sipd, srcdir = sys.argv[1], sys.argv[2]
MAN = srcdir + "/man/sipd.conf.5"
SAMPLE = srcdir + "/etc/sipd.conf"


def keys():
    """(name, type, default-as-printed, bounds, help) from sipd -H."""
    out = subprocess.run([sipd, "-H"], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    res = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\S+) \((\S+)\) default (.*), ([^,]*)$", line)
        if m:
            help_ = lines[i + 1].strip() if i + 1 < len(lines) else ""
            res.append((m.group(1), m.group(2), m.group(3), m.group(4), help_))
    return res


def man_entries():
    """key -> rendered text of its entry in sipd.conf.5 (mandoc -T ascii, whitespace collapsed)."""
    src = open(MAN).read()
    out = subprocess.run(["mandoc", "-T", "ascii", MAN], capture_output=True, text=True).stdout
    text = re.sub(r".\x08", "", out)
    # only the KEYS section: prose elsewhere names keys too
    m = re.search(r"^KEYS$(.*?)^[A-Z][A-Z ]+$", text, re.M | re.S)
    text = m.group(1) if m else ""
    names = re.findall(r"^\.It Cm (\S+)", src, re.M)
    entries = {}
    for n in names:
        # an entry runs from its key at the start of a line to the next documented key
        m = re.search(r"^\s+" + re.escape(n) + r"\b(.*?)(?=^\s+(?:%s)\b|\Z)" %
                      "|".join(re.escape(x) for x in names if x != n), text, re.M | re.S)
        entries[n] = " ".join(m.group(1).split()) if m else ""
    return entries


def sample_keys():
    """Dotted names of the keys set (or shown commented out) in etc/sipd.conf."""
    found, stack = set(), []
    for raw in open(SAMPLE):
        line = raw.strip()
        m = re.match(r"^(\w+)\s*[:=]\s*\{", line)
        if m:
            stack.append(m.group(1))
            continue
        if re.match(r"^\}\s*;?$", line):
            if stack:
                stack.pop()
            continue
        m = re.match(r"^#?\s*(\w+)\s*=", line)
        if m and stack:
            found.add(".".join(stack + [m.group(1)]))
    return found


def norm_default(d):
    # database.path's default follows ./configure --localstatedir; the page says /var
    return re.sub(r'^"(.*)/lib/sipd/', '"/var/lib/sipd/', d)


def main():
    ks = keys()
    if not ks:
        print("sipd -H listed no keys")
        return 1
    problems = []
    man = man_entries()
    have = sample_keys()
    for name, typ, default, bounds, help_ in ks:
        group, _, short = name.rpartition(".")
        want = "Default: " + norm_default(default)
        if name not in man:
            problems.append(
                "man/sipd.conf.5: key %s (%s, default %s, %s) is not documented: add an entry"
                " '.It Cm %s Pq %s, %s' to the list of the %s group (section KEYS), saying: %s ..."
                " and ending with the line: %s" % (name, typ, default, bounds, name, typ, bounds, group,
                                                  help_, want))
        elif want not in man[name]:
            problems.append(
                "man/sipd.conf.5: the entry of %s must state its default as sipd -H prints it:"
                " '%s' (found: %s)" % (name, want, man[name][:160]))
        if name not in have:
            problems.append(
                "etc/sipd.conf: key %s missing: add '%s = %s;' with a comment (%s Default %s)"
                " inside the '%s: { ... };' group" % (name, short,
                                                      default.replace("[", "[ ").replace("]", " ]"),
                                                      help_, default, group))
    documented = set(man)
    known = {k[0] for k in ks}
    for n in sorted(documented - known):
        problems.append("man/sipd.conf.5: documents '%s', which sipd does not know (sipd -H):"
                        " remove it or add it to src/config.c" % n)
    for p in problems:
        print(p)
    print("%d keys checked, %d problem(s)" % (len(ks), len(problems)))
    return 1 if problems else 0


sys.exit(main())
