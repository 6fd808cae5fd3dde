/* check_htab.c - the hash table: put/get/del/overwrite, growth to 100k entries, foreach. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

START_TEST(test_put_get_del)
{
	struct htab *h = htab_new();
	int a = 1, b = 2;

	ck_assert_ptr_null(htab_get(h, "alpha", 5));
	ck_assert_ptr_null(htab_put(h, "alpha", 5, &a));
	ck_assert_ptr_null(htab_put(h, "beta", 4, &b));
	ck_assert_uint_eq(htab_count(h), 2);
	ck_assert_ptr_eq(htab_get(h, "alpha", 5), &a);
	ck_assert_ptr_eq(htab_get(h, "beta", 4), &b);
	ck_assert_ptr_null(htab_get(h, "alph", 4));	/* prefix is another key */
	ck_assert_ptr_eq(htab_del(h, "alpha", 5), &a);
	ck_assert_ptr_null(htab_get(h, "alpha", 5));
	ck_assert_ptr_null(htab_del(h, "alpha", 5));
	ck_assert_uint_eq(htab_count(h), 1);
	htab_free(h);
}
END_TEST

START_TEST(test_binary_keys_copied)
{
	struct htab *h = htab_new();
	char key[8] = { 'k', 0, 'e', 0, 'y', 0, 0, 1 };
	int v = 7;

	htab_put(h, key, sizeof(key), &v);
	memset(key, 'x', sizeof(key));		/* the table holds its own copy */
	ck_assert_ptr_null(htab_get(h, key, sizeof(key)));
	memcpy(key, (char[8]){ 'k', 0, 'e', 0, 'y', 0, 0, 1 }, sizeof(key));
	ck_assert_ptr_eq(htab_get(h, key, sizeof(key)), &v);
	ck_assert_ptr_null(htab_get(h, key, 7));
	ck_assert_ptr_eq(htab_put(h, "", 0, &v), NULL);	/* the empty key is a key */
	ck_assert_ptr_eq(htab_get(h, "", 0), &v);
	htab_free(h);
}
END_TEST

START_TEST(test_overwrite)
{
	struct htab *h = htab_new();
	int a = 1, b = 2;

	htab_put(h, "k", 1, &a);
	ck_assert_ptr_eq(htab_put(h, "k", 1, &b), &a);
	ck_assert_ptr_eq(htab_get(h, "k", 1), &b);
	ck_assert_uint_eq(htab_count(h), 1);
	htab_free(h);
}
END_TEST

#define NBIG	100000

START_TEST(test_grow_100k)
{
	struct htab *h = htab_new();
	char key[32];
	size_t i;
	int n;

	for (i = 0; i < NBIG; i++) {
		n = snprintf(key, sizeof(key), "key-%zu", i);
		ck_assert_ptr_null(htab_put(h, key, (size_t)n, (void *)(i + 1)));
	}
	ck_assert_uint_eq(htab_count(h), NBIG);
	for (i = 0; i < NBIG; i++) {
		n = snprintf(key, sizeof(key), "key-%zu", i);
		ck_assert_ptr_eq(htab_get(h, key, (size_t)n), (void *)(i + 1));
	}
	/* delete the even ones: the table shrinks back while the odd ones stay */
	for (i = 0; i < NBIG; i += 2) {
		n = snprintf(key, sizeof(key), "key-%zu", i);
		ck_assert_ptr_eq(htab_del(h, key, (size_t)n), (void *)(i + 1));
	}
	ck_assert_uint_eq(htab_count(h), NBIG / 2);
	for (i = 0; i < NBIG; i++) {
		n = snprintf(key, sizeof(key), "key-%zu", i);
		if (i % 2)
			ck_assert_ptr_eq(htab_get(h, key, (size_t)n), (void *)(i + 1));
		else
			ck_assert_ptr_null(htab_get(h, key, (size_t)n));
	}
	for (i = 1; i < NBIG; i += 2) {
		n = snprintf(key, sizeof(key), "key-%zu", i);
		htab_del(h, key, (size_t)n);
	}
	ck_assert_uint_eq(htab_count(h), 0);
	htab_free(h);
}
END_TEST

struct walk {
	size_t	 n;
	size_t	 sum;
};

static void
walk_fn(const void *key, size_t klen, void *val, void *arg)
{
	struct walk *w = arg;
	char buf[32];

	ck_assert_uint_lt(klen, sizeof(buf));
	memcpy(buf, key, klen);
	buf[klen] = '\0';
	ck_assert_uint_eq(strtoul(buf + 2, NULL, 10) + 1, (size_t)val);
	w->n++;
	w->sum += (size_t)val;
}

START_TEST(test_foreach)
{
	struct htab *h = htab_new();
	struct walk w = { 0, 0 };
	char key[32];
	int n;

	for (size_t i = 0; i < 1000; i++) {
		n = snprintf(key, sizeof(key), "k-%zu", i);
		htab_put(h, key, (size_t)n, (void *)(i + 1));
	}
	htab_foreach(h, walk_fn, &w);
	ck_assert_uint_eq(w.n, 1000);
	ck_assert_uint_eq(w.sum, 1000 * 1001 / 2);
	htab_free(h);
}
END_TEST

START_TEST(test_hash_keyed)
{
	/* same input, same hash within a run; different inputs differ */
	ck_assert_uint_eq(htab_hash("abc", 3), htab_hash("abc", 3));
	ck_assert_uint_ne(htab_hash("abc", 3), htab_hash("abd", 3));
	ck_assert_uint_ne(htab_hash("", 0), htab_hash("\0", 1));
}
END_TEST

START_TEST(test_key_copy)
{
	struct htab *h = htab_new();
	char key[] = "call-1";
	const char *k;

	ck_assert_ptr_null(htab_key(h, key, 6));
	htab_put(h, key, 6, key);
	k = htab_key(h, "call-1", 6);
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_ne(k, key);		/* the table's own copy */
	ck_assert_int_eq(memcmp(k, "call-1", 6), 0);
	ck_assert_ptr_eq(htab_del(h, k, 6), key);	/* deleting by its own key works */
	ck_assert_ptr_null(htab_key(h, key, 6));
	htab_free(h);
}
END_TEST

static Suite *
htab_suite(void)
{
	Suite *s = suite_create("htab");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_binary_keys_copied);
	tcase_add_test(tc, test_overwrite);
	tcase_add_test(tc, test_grow_100k);
	tcase_add_test(tc, test_foreach);
	tcase_add_test(tc, test_hash_keyed);
	tcase_add_test(tc, test_key_copy);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(htab_suite)
