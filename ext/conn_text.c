/*
** conn_text.c: a whole result set of any shape as text (live, connection layer).
**
** conn_result.c streams SHOW PITR rows and decodes them as PITRs; the recovery features
** also read results of other shapes: SHOW RECOVERY_WINDOW's five columns, SELECT now().
** This file reads such a result completely into memory, every value as text.
**
** Usage:
**     mopitr_text_result t;
**     if (mopitr_conn_select(c, "SHOW RECOVERY_WINDOW FOR DATABASE `d`", 1 << 20, &t, &zErr)
**         == SQLITE_OK) { ... mopitr_text_cell(&t, iRow, iCol, &n) ... }
**     mopitr_text_result_clear(&t);
**
** How it works: the statement goes through the same handle, wait context (timeouts,
** sqlite3_interrupt) and reconnect rules as conn.c's reads: a connection found lost
** before the first row is retried once on a fresh connection, never after a timeout or
** an interrupt. The rows are read with mysql_use_result() and copied as they arrive; a
** value longer than nMaxField bytes, more than CONN_TEXT_MAX_BYTES in all, or a lost
** connection ends the read with an error and closes the handle (the rest of the stream
** is not read: the next command reconnects).
*/
#include <string.h>

#include <mysql.h>
#include <errmsg.h>

#define MOPITR_CONN_INTERNALS /* struct mopitr_conn (conn.c) */
#include "mo_pitr_int.h"

#define CONN_TEXT_MAX_BYTES (64 << 20)

/* Free everything t holds and zero it. */
void mopitr_text_result_clear(mopitr_text_result *t)
{
    int i;
    for (i = 0; t->azCell && i < t->nRow * t->nCol; i++)
        sqlite3_free(t->azCell[i]);
    sqlite3_free(t->azCell);
    sqlite3_free(t->anCell);
    for (i = 0; t->azName && i < t->nCol; i++)
        sqlite3_free(t->azName[i]);
    sqlite3_free(t->azName);
    memset(t, 0, sizeof(*t));
}

/* The value at (iRow, iCol), NULL for SQL NULL; *pn its length (may be NULL). */
const char *mopitr_text_cell(const mopitr_text_result *t, int iRow, int iCol, int *pn)
{
    int i = iRow * t->nCol + iCol;
    if (pn)
        *pn = t->anCell[i];
    return t->azCell[i];
}

/* Copy the column names of pRes into t. */
static int text_names(mopitr_text_result *t, MYSQL_RES *pRes)
{
    MYSQL_FIELD *aField = mysql_fetch_fields(pRes);
    int i;
    t->nCol = (int)mysql_num_fields(pRes);
    t->azName = sqlite3_malloc64(sizeof(char *) * (size_t)(t->nCol ? t->nCol : 1));
    if (t->azName == NULL) {
        t->nCol = 0;
        return SQLITE_NOMEM;
    }
    memset(t->azName, 0, sizeof(char *) * (size_t)(t->nCol ? t->nCol : 1));
    for (i = 0; i < t->nCol; i++) {
        t->azName[i] = sqlite3_mprintf("%s", aField && aField[i].name ? aField[i].name : "");
        if (t->azName[i] == NULL)
            return SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/* Append the current row (azRow, aLen) to t. */
static int text_add_row(mopitr_text_result *t, MYSQL_ROW azRow, const unsigned long *aLen,
                        int *pnAlloc, sqlite3_int64 *pnBytes, int nMaxField, const char *zSql,
                        char **pzErr)
{
    int i, base;
    if ((t->nRow + 1) * t->nCol > *pnAlloc) {
        int nNew = *pnAlloc ? *pnAlloc * 2 : 16 * (t->nCol ? t->nCol : 1);
        char **azNew = sqlite3_realloc64(t->azCell, sizeof(char *) * (size_t)nNew);
        int *anNew;
        if (azNew == NULL)
            return SQLITE_NOMEM;
        t->azCell = azNew;
        anNew = sqlite3_realloc64(t->anCell, sizeof(int) * (size_t)nNew);
        if (anNew == NULL)
            return SQLITE_NOMEM;
        t->anCell = anNew;
        *pnAlloc = nNew;
    }
    base = t->nRow * t->nCol;
    for (i = 0; i < t->nCol; i++) {
        t->azCell[base + i] = NULL;
        t->anCell[base + i] = 0;
    }
    t->nRow++;
    for (i = 0; i < t->nCol; i++) {
        unsigned long n = aLen ? aLen[i] : 0;
        if (azRow[i] == NULL)
            continue;
        *pnBytes += (sqlite3_int64)n;
        if (n > (unsigned long)nMaxField || *pnBytes > CONN_TEXT_MAX_BYTES) {
            *pzErr = mopitr_errf("the server answered \"%s\" with a value of %lu bytes in column "
                                 "%s (at most %d expected)",
                                 zSql, n, t->azName[i], nMaxField);
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        t->azCell[base + i] = sqlite3_malloc64((size_t)n + 1);
        if (t->azCell[base + i] == NULL)
            return SQLITE_NOMEM;
        if (n)
            memcpy(t->azCell[base + i], azRow[i], (size_t)n);
        t->azCell[base + i][n] = 0;
        t->anCell[base + i] = (int)n;
    }
    return SQLITE_OK;
}

/* Stop reading pRes for good: the rest of its stream is not read, the handle is closed
** (the next command reconnects). */
static void text_abandon(mopitr_conn *p, MYSQL_RES *pRes)
{
    pRes->handle = NULL; /* mysql_free_result must not read the rest through it */
    mopitr_conn_drop(p);
    mysql_free_result(pRes);
}

/*
** Run zSql on p and read its whole result into *pOut (cleared first) as text. Values
** longer than nMaxField bytes are an error. SQLITE_OK, or an error with *pzErr
** (SQLITE_INTERRUPT when sqlite3_interrupt() ended a wait); *pOut is empty then.
*/
int mopitr_conn_select(mopitr_conn *p, const char *zSql, int nMaxField, mopitr_text_result *pOut,
                       char **pzErr)
{
    mopitr_wait w;
    MYSQL_RES *pRes = NULL;
    int rc, bFresh = 0, bRetried = 0, nAlloc = 0;
    sqlite3_int64 nBytes = 0;
    unsigned merr;

    memset(pOut, 0, sizeof(*pOut));
    mopitr_wait_begin(&w, p->db, -1);
again:
    rc = mopitr_conn_ready(p, &bFresh, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    if (mysql_real_query(p->m, zSql, (unsigned long)strlen(zSql)) == 0) {
        pRes = mysql_use_result(p->m);
        if (pRes == NULL && mysql_errno(p->m) == 0) {
            *pzErr = mopitr_errf("the server answered \"%s\" without a result set", zSql);
            rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
            goto out;
        }
    }
    if (pRes) {
        MYSQL_ROW azRow;
        rc = text_names(pOut, pRes);
        while (rc == SQLITE_OK && (azRow = mysql_fetch_row(pRes)) != NULL)
            rc = text_add_row(pOut, azRow, mysql_fetch_lengths(pRes), &nAlloc, &nBytes, nMaxField,
                              zSql, pzErr);
        merr = rc == SQLITE_OK ? mysql_errno(p->m) : 0;
        if (rc == SQLITE_OK && merr && !mopitr_conn_is_lost(merr)) {
            *pzErr = mopitr_server_errf(merr, mysql_error(p->m), NULL);
            rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        } else if (rc == SQLITE_OK && merr) {
            /* Lost in the middle of the rows: no retry (rows were already read). */
            *pzErr = mopitr_conn_lost_errf(p, &w, merr, mysql_error(p->m), NULL, &rc);
            text_abandon(p, pRes);
            goto out;
        }
        if (rc != SQLITE_OK && !merr) {
            text_abandon(p, pRes); /* a value too long, or out of memory */
            goto out;
        }
        mysql_free_result(pRes);
        if (rc == SQLITE_OK)
            mopitr_conn_read_status(p);
        goto out;
    }
    merr = mysql_errno(p->m);
    if (!mopitr_conn_is_lost(merr)) {
        *pzErr = mopitr_server_errf(merr, mysql_error(p->m), NULL);
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    if (!bFresh && !bRetried && mopitr_conn_is_retryable(merr) && !w.bInterrupted && !w.bTimedOut) {
        mopitr_conn_drop(p);
        bRetried = 1;
        goto again;
    }
    *pzErr = mopitr_conn_lost_errf(p, &w, merr, mysql_error(p->m), NULL, &rc);
    mopitr_conn_drop(p);
out:
    if (rc != SQLITE_OK)
        mopitr_text_result_clear(pOut);
    mopitr_wait_end(&w);
    return rc;
}
