#!/usr/bin/python3
"""Drive the sipd web console in headless Chromium (Debian chromium + chromium-driver, with
python3-selenium), one command per line on stdin, one answer line ("ok ..." / "fail ...") on
stdout, so that a shell test can interleave browser steps with real phones.

    console_browser.py BASE_URL PROFILE_DIR
    login NAME PASSWORD | adduser NAME EXT PASSWORD | disable NAME
    waitreg TEXT SECS   | waitcall TEXT SECS  | waitnocall TEXT SECS | history TEXT SECS
    csv PATH            | shot PATH           | noreload            | quit
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

BASE, PROFILE = sys.argv[1], sys.argv[2]


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--user-data-dir=" + PROFILE, "--window-size=1280,1000", "--no-first-run",
              "--disable-extensions", "--disable-background-networking"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def until(secs, fn):
    end = time.time() + float(secs)
    while time.time() < end:
        try:
            if fn():
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def text_of(d, sel):
    return d.find_element(By.CSS_SELECTOR, sel).text


def tab(d, page):
    d.find_element(By.CSS_SELECTOR, "button.tab[data-page='%s']" % page).click()


def run(d, cmd, args):
    if cmd == "login":
        d.get(BASE + "/")
        if not until(10, lambda: d.current_url.endswith("/login")):
            return "fail not sent to /login without a session: " + d.current_url
        d.find_element(By.ID, "login-name").send_keys(args[0])
        d.find_element(By.ID, "login-password").send_keys(args[1])
        d.find_element(By.ID, "login-submit").click()
        if not until(10, lambda: text_of(d, "#who") == args[0]):
            return "fail not logged in: " + d.find_element(By.ID, "status").text
        d.execute_script("window.__noreload = 42")
        return "ok logged in"
    if cmd == "noreload":
        v = d.execute_script("return window.__noreload")
        return "ok same page" if v == 42 else "fail the page was reloaded"
    if cmd == "adduser":
        tab(d, "users")
        d.find_element(By.ID, "add-name").send_keys(args[0])
        d.find_element(By.ID, "add-ext").send_keys(args[1])
        d.find_element(By.ID, "add-password").send_keys(args[2])
        d.find_element(By.ID, "add-submit").click()
        sel = "#users tr[data-user='%s']" % args[0]
        if until(10, lambda: args[1] in text_of(d, sel)):
            return "ok added"
        return "fail no row: " + d.find_element(By.ID, "status").text
    if cmd == "disable":
        tab(d, "users")
        sel = "#users tr[data-user='%s']" % args[0]
        until(10, lambda: d.find_element(By.CSS_SELECTOR, sel))
        d.find_element(By.CSS_SELECTOR, sel).find_element(
            By.XPATH, ".//button[text()='Disable']").click()
        if until(10, lambda: d.find_element(By.CSS_SELECTOR, sel).find_elements(
                By.XPATH, ".//td[text()='no']")):
            return "ok disabled"
        return "fail still enabled: " + d.find_element(By.ID, "status").text
    if cmd == "forward":
        tab(d, "users")
        sel = "#users tr[data-user='%s']" % args[0]
        until(10, lambda: d.find_element(By.CSS_SELECTOR, sel))
        d.find_element(By.CSS_SELECTOR, sel).find_element(
            By.XPATH, ".//button[text()='Forwards']").click()
        until(10, lambda: d.find_element(By.ID, "forwards").is_displayed())
        for o in d.find_elements(By.CSS_SELECTOR, "#fwd-kind option"):
            if o.text == args[1]:
                o.click()
        d.find_element(By.ID, "fwd-target").send_keys(args[2])
        d.find_element(By.CSS_SELECTOR, "#fwd-form button[type=submit]").click()
        if until(10, lambda: args[2] in text_of(d, "#fwd tbody")):
            return "ok " + text_of(d, "#fwd tbody").replace("\n", " | ")
        return "fail no forward row: " + d.find_element(By.ID, "status").text
    if cmd == "group":
        tab(d, "users")
        d.find_element(By.ID, "group-number").send_keys(args[0])
        d.find_element(By.CSS_SELECTOR, "#group-form button[type=submit]").click()
        until(10, lambda: args[0] in text_of(d, "#groups tbody"))
        d.find_element(By.ID, "member-number").send_keys(args[0])
        d.find_element(By.ID, "member-name").send_keys(args[1])
        d.find_element(By.CSS_SELECTOR, "#member-form button[type=submit]").click()
        if until(10, lambda: args[1] in text_of(d, "#groups tbody")):
            return "ok " + text_of(d, "#groups tbody").replace("\n", " | ")
        return "fail no member row: " + d.find_element(By.ID, "status").text
    if cmd in ("waitreg", "waitcall", "waitnocall"):
        tab(d, "dashboard")
        table = "#regs tbody" if cmd == "waitreg" else "#calls tbody"
        want = " ".join(args[:-1])
        if cmd == "waitnocall":
            ok = until(args[-1], lambda: want not in text_of(d, table))
        else:
            ok = until(args[-1], lambda: want in text_of(d, table))
        return ("ok " if ok else "fail ") + text_of(d, table).replace("\n", " | ")[:300]
    if cmd == "history":
        tab(d, "history")
        want = " ".join(args[:-1])

        def seen():
            d.find_element(By.CSS_SELECTOR, "#cdr-filter button[type=submit]").click()
            time.sleep(0.3)
            return want in text_of(d, "#cdr tbody")
        ok = until(args[-1], seen)
        return ("ok " if ok else "fail ") + text_of(d, "#cdr tbody").replace("\n", " | ")[:300]
    if cmd == "xss":
        tab(d, "history")
        want = "<script>window.__xss=1</script>"

        def seen():
            d.find_element(By.CSS_SELECTOR, "#cdr-filter button[type=submit]").click()
            time.sleep(0.3)
            return want in text_of(d, "#cdr tbody")
        if not until(10, seen):
            return "fail the markup is not shown as text: " + text_of(d, "#cdr tbody")[:200]
        ran = d.execute_script("return window.__xss")
        tags = d.execute_script("return document.querySelectorAll('#cdr script, #cdr img').length")
        if ran is not None or tags:
            return "fail markup from the database ran (%r, %d elements)" % (ran, tags)
        return "ok shown as text, nothing ran"
    if cmd == "csv":
        body = d.execute_async_script(
            "var done = arguments[0]; fetch('/api/cdr.csv', {credentials: 'same-origin'})"
            ".then(function (r) { return r.text(); }).then(done, function (e) { done('ERR ' + e); });")
        with open(args[0], "w", newline="") as f:
            f.write(body)
        return "ok %d bytes" % len(body)
    if cmd == "shot":
        d.save_screenshot(args[0])
        return "ok saved"
    return "fail unknown command " + cmd


def main():
    d = browser()
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                print("ok bye", flush=True)
                break
            try:
                out = run(d, words[0], words[1:])
            except Exception as e:  # one step failing must not hang the shell waiting on us
                out = "fail %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
            print(out, flush=True)
    finally:
        d.quit()


main()
