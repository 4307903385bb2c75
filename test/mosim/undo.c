/*
** undo.c: undoing what a session's open transaction changed in the catalog, on ROLLBACK.
**
** A real MatrixOne accepts CREATE/DROP DATABASE and CREATE/DROP TABLE inside a transaction
** (explicit BEGIN, or autocommit off) and ROLLBACK takes them back (spec 7 [Real]); PITR
** statements are either refused there or, as the statement that opens an autocommit-off
** transaction, run in their own internal transaction and stay (spec 7 [Real]).
**
** Usage (engine.c, under the engine lock):
**     sqlite3_session *cap = moundo_capture(e);       before a DDL statement in a txn
**     ... run the statement ...
**     moundo_keep(s, cap);                             after it: its changes join s's undo
**     moundo_rollback(e, s);   or   moundo_forget(s);  at ROLLBACK / COMMIT
**
** How it works: SQLite's session extension records the changes one statement makes to
** mo_database, mo_tables and mo_pitr (the engine lock makes them that statement's own);
** the changesets of a transaction are concatenated in the session (s->txn_undo, owned
** here). ROLLBACK inverts the concatenation and applies it; a row another session changed
** meanwhile is left as it is (conflicts are omitted). Other sessions see the changes
** before COMMIT (mosim has no isolation between sessions; MatrixOne would hide them).
** Object ids are not reused after a rollback (mo_meta is not recorded).
*/
#define SQLITE_ENABLE_SESSION 1 /* Debian's libsqlite3 is built with the session extension */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* What s->txn_undo points to. */
typedef struct mo_undo {
    void *cs; /* concatenated changeset (sqlite3_malloc), NULL when empty */
    int n;
} mo_undo;

/* See engine.h. */
void *moundo_capture(mosim_engine *e)
{
    static const char *const tabs[] = {"mo_database", "mo_tables", "mo_pitr"};
    sqlite3_session *ss = NULL;
    size_t k;
    if (sqlite3session_create(e->db, "main", &ss) != SQLITE_OK)
        return NULL;
    for (k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++) {
        if (sqlite3session_attach(ss, tabs[k]) != SQLITE_OK) {
            sqlite3session_delete(ss);
            return NULL;
        }
    }
    return ss;
}

/* See engine.h. */
void moundo_keep(mosim_session *s, void *capture)
{
    sqlite3_session *ss = capture;
    mo_undo *u = s->txn_undo;
    void *cs = NULL, *joined = NULL;
    int n = 0, nj = 0;
    if (!ss)
        return;
    if (sqlite3session_changeset(ss, &n, &cs) != SQLITE_OK || n == 0)
        goto out;
    if (!u) {
        u = calloc(1, sizeof(*u));
        if (!u)
            goto out;
        s->txn_undo = u;
    }
    if (!u->cs) {
        u->cs = cs;
        u->n = n;
        cs = NULL;
    } else if (sqlite3changeset_concat(u->n, u->cs, n, cs, &nj, &joined) == SQLITE_OK) {
        sqlite3_free(u->cs);
        u->cs = joined;
        u->n = nj;
    }
out:
    sqlite3_free(cs);
    sqlite3session_delete(ss);
}

/* Conflict handler: keep what another session did to the row. */
static int omit_conflict(void *ctx, int kind, sqlite3_changeset_iter *it)
{
    (void)ctx;
    (void)kind;
    (void)it;
    return SQLITE_CHANGESET_OMIT;
}

/* See engine.h. */
void moundo_rollback(mosim_engine *e, mosim_session *s)
{
    mo_undo *u = s->txn_undo;
    void *inv = NULL;
    int n = 0;
    if (u && u->cs && sqlite3changeset_invert(u->n, u->cs, &n, &inv) == SQLITE_OK)
        sqlite3changeset_apply(e->db, n, inv, NULL, omit_conflict, NULL);
    sqlite3_free(inv);
    moundo_forget(s);
}

/* See engine.h. Accepts a session without undo. */
void moundo_forget(mosim_session *s)
{
    mo_undo *u = s->txn_undo;
    if (!u)
        return;
    sqlite3_free(u->cs);
    free(u);
    s->txn_undo = NULL;
}
