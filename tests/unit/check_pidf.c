/* check_pidf.c - presence documents (pidf.c): which bodies are PIDF (prolog, comments, BOM,
 * prefixed roots, wrong namespace or root, unclosed or trailing content), composition of
 * several publications (one kept byte for byte; several under one root with every namespace
 * declared once and every child kept, a document with a clashing prefix left out), the
 * derived document (open/closed, on-the-phone) and XML escaping of the entity. */
#include <check.h>

#include "check_main.h"
#include <stdlib.h>
#include <string.h>

#include "pidf.h"

#define NS	"xmlns=\"urn:ietf:params:xml:ns:pidf\""

static int
valid(const char *s)
{
	return pidf_valid(s, strlen(s));
}

START_TEST(test_valid)
{
	ck_assert_int_eq(valid("<presence " NS " entity=\"sip:a@b\"><tuple id=\"t\"><status>"
	    "<basic>open</basic></status></tuple></presence>"), 1);
	ck_assert_int_eq(valid("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- c -->\n<presence " NS
	    "/>\n"), 1);
	ck_assert_int_eq(valid("<p:presence xmlns:p=\"urn:ietf:params:xml:ns:pidf\" "
	    "entity='sip:a@b'><p:tuple id=\"x\"/></p:presence >\r\n"), 1);
	/* not PIDF */
	ck_assert_int_eq(valid(""), 0);
	ck_assert_int_eq(valid("hello"), 0);
	ck_assert_int_eq(valid("<presence xmlns=\"urn:other\"></presence>"), 0);
	ck_assert_int_eq(valid("<presences " NS "></presences>"), 0);
	ck_assert_int_eq(valid("<p:presence " NS "></p:presence>"), 0);	/* p not declared */
	ck_assert_int_eq(valid("<presence " NS "><tuple>"), 0);		/* not closed */
	ck_assert_int_eq(valid("<presence " NS "></presence><x/>"), 0);	/* two roots */
	ck_assert_int_eq(valid("<presence " NS "></other>"), 0);
	ck_assert_int_eq(valid("<presence " NS " a=\"unterminated></presence>"), 0);
	ck_assert_int_eq(valid("<?xml version=\"1.0\"<presence " NS "/>"), 0);
	ck_assert_int_eq(pidf_valid(NULL, 0), 0);
	/* not well-formed (found by fuzz_pidf): a repeated attribute, an empty prefix */
	ck_assert_int_eq(valid("<presence " NS " " NS "/>"), 0);
	ck_assert_int_eq(valid("<presence " NS " xmlns:a=\"x\" xmlns:a=\"y\"/>"), 0);
	ck_assert_int_eq(valid("<presence " NS " xmlns:=\"x\"/>"), 0);
}
END_TEST

/* What composition writes parses again (found by fuzz_pidf): a declaration quoted with ' that
 * holds a ", and more declarations than one start tag may carry. */
START_TEST(test_compose_parses)
{
	char many[2048];
	const char *docs[2] = { "<presence " NS " xmlns:q='a\"b'><tuple id=\"a\"/></presence>", many };
	size_t lens[2], out, n;
	char *c;

	n = (size_t)snprintf(many, sizeof(many), "<presence " NS);
	for (int i = 0; i < 14; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, " xmlns:n%d=\"u%d\"", i, i);
	snprintf(many + n, sizeof(many) - n, "><tuple id=\"b\"/></presence>");
	lens[0] = strlen(docs[0]);
	lens[1] = strlen(docs[1]);
	ck_assert_int_eq(pidf_valid(docs[1], lens[1]), 1);
	c = pidf_compose("sip:a@b", docs, lens, 2, &out);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(pidf_valid(c, out), 1);
	ck_assert_ptr_nonnull(strstr(c, "xmlns:q='a\"b'"));
	ck_assert_ptr_null(strstr(c, "<tuple id=\"b\""));	/* too many declarations: left out */
	free(c);
}
END_TEST

START_TEST(test_compose_one)
{
	const char *doc = "<?xml version=\"1.0\"?>\n<presence " NS " entity=\"sip:x@y\">"
	    "<tuple id=\"a\"/></presence>\n";
	size_t len = strlen(doc), out;
	char *c = pidf_compose("sip:a@b", &doc, &len, 1, &out);

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(out, len);
	ck_assert_int_eq(memcmp(c, doc, len), 0);	/* one publication: as published */
	free(c);
	ck_assert_ptr_null(pidf_compose("sip:a@b", NULL, NULL, 0, &out));
}
END_TEST

START_TEST(test_compose_many)
{
	const char *docs[3] = {
		"<presence " NS " xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" entity=\"x\">"
		    "<tuple id=\"a\"><status><basic>open</basic></status></tuple>"
		    "<dm:person id=\"p\"/></presence>",
		"<?xml version=\"1.0\"?><presence " NS " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\">"
		    "<tuple id=\"b\"><status><basic>closed</basic></status></tuple></presence>",
		/* dm bound to something else: left out */
		"<presence " NS " xmlns:dm=\"urn:evil\"><tuple id=\"c\"/></presence>",
	};
	size_t lens[3] = { strlen(docs[0]), strlen(docs[1]), strlen(docs[2]) }, out;
	char *c = pidf_compose("sip:a&b@c", docs, lens, 3, &out);

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(strlen(c), out);
	ck_assert_int_eq(pidf_valid(c, out), 1);
	ck_assert_ptr_nonnull(strstr(c, "entity=\"sip:a&amp;b@c\""));
	ck_assert_ptr_nonnull(strstr(c, "<tuple id=\"a\">"));
	ck_assert_ptr_nonnull(strstr(c, "<tuple id=\"b\">"));
	ck_assert_ptr_nonnull(strstr(c, "<dm:person id=\"p\"/>"));
	ck_assert_ptr_null(strstr(c, "<tuple id=\"c\""));
	ck_assert_ptr_null(strstr(c, "urn:evil"));
	ck_assert_ptr_nonnull(strstr(c, "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\""));
	/* each namespace once */
	ck_assert_ptr_null(strstr(strstr(c, "xmlns=\"") + 1, "xmlns=\""));
	ck_assert_ptr_null(strstr(strstr(c, "xmlns:dm=") + 1, "xmlns:dm="));
	ck_assert(strstr(c, "id=\"a\"") < strstr(c, "id=\"b\""));	/* in order */
	free(c);
	/* nothing usable */
	lens[0] = 5;
	ck_assert_ptr_null(pidf_compose("sip:a@b", docs, lens, 1, &out));
}
END_TEST

START_TEST(test_derived)
{
	size_t len;
	char *d = pidf_derived("sip:a@b", 1, 0, &len);

	ck_assert_int_eq(pidf_valid(d, len), 1);
	ck_assert_ptr_nonnull(strstr(d, "<basic>open</basic>"));
	ck_assert_ptr_null(strstr(d, "on-the-phone"));
	ck_assert_ptr_nonnull(strstr(d, "entity=\"sip:a@b\""));
	free(d);
	d = pidf_derived("sip:\"a\"<@b", 0, 1, &len);
	ck_assert_int_eq(pidf_valid(d, len), 1);
	ck_assert_ptr_nonnull(strstr(d, "<basic>closed</basic>"));
	ck_assert_ptr_nonnull(strstr(d, "<rpid:on-the-phone/>"));
	ck_assert_ptr_nonnull(strstr(d, "entity=\"sip:&quot;a&quot;&lt;@b\""));
	free(d);
}
END_TEST

START_TEST(test_resource_lists)
{
	const char *doc = "<?xml version=\"1.0\"?><rl:resource-lists xmlns:rl=\"urn:ietf:params:"
	    "xml:ns:resource-lists\"><rl:list name=\"x\"><rl:entry uri=\"sip:a@b\"/>"
	    "<rl:entry  uri='sip:c&amp;d@e'><rl:display-name>C</rl:display-name></rl:entry>"
	    "<rl:entry-ref ref=\"x\"/><entry uri=\"sip:f@g\"/></rl:list></rl:resource-lists>";
	char *uris[8];
	int n = pidf_resource_lists(doc, strlen(doc), uris, 8);

	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(uris[0], "sip:a@b");
	ck_assert_str_eq(uris[1], "sip:c&d@e");
	ck_assert_str_eq(uris[2], "sip:f@g");
	for (int i = 0; i < n; i++)
		free(uris[i]);
	ck_assert_int_eq(pidf_resource_lists(doc, strlen(doc), uris, 1), 1);	/* bounded */
	free(uris[0]);
	ck_assert_int_eq(pidf_resource_lists("<x/>", 4, uris, 8), -1);
	ck_assert_int_eq(pidf_resource_lists(doc, 60, uris, 8), -1);	/* cut short */
}
END_TEST

START_TEST(test_rlmi)
{
	const char *uris[] = { "sip:a@b", "sip:<c>@d" }, *states[] = { "active", "terminated" };
	const char *cids[] = { "r0@sipd", NULL };
	size_t len;
	char *d = pidf_rlmi("sip:rls@b", 3, uris, states, cids, 2, &len);

	ck_assert_uint_eq(strlen(d), len);
	ck_assert_ptr_nonnull(strstr(d, "uri=\"sip:rls@b\" version=\"3\" fullState=\"true\""));
	ck_assert_ptr_nonnull(strstr(d, "<resource uri=\"sip:a@b\"><instance id=\"i0\" "
	    "state=\"active\" cid=\"r0@sipd\"/></resource>"));
	ck_assert_ptr_nonnull(strstr(d, "uri=\"sip:&lt;c&gt;@d\""));
	ck_assert_ptr_nonnull(strstr(d, "state=\"terminated\" reason=\"rejected\""));
	free(d);
}
END_TEST

static Suite *
pidf_suite(void)
{
	Suite *s = suite_create("pidf");
	TCase *tc = tcase_create("pidf");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_compose_one);
	tcase_add_test(tc, test_compose_many);
	tcase_add_test(tc, test_compose_parses);
	tcase_add_test(tc, test_derived);
	tcase_add_test(tc, test_resource_lists);
	tcase_add_test(tc, test_rlmi);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pidf_suite)
