/*
** mo_pitr.h: the one public header of the mo_pitr SQLite extension.
**
** mo_pitr lets SQL manage MatrixOne point-in-time recovery (PITR) objects:
**
**     .load mo_pitr                  -- installed (.deb); or .load ./build/mo_pitr
**     SELECT mo_connect('mysql://root@127.0.0.1:6001');
**     SELECT name, level, range_value, range_unit FROM mo_pitr;
**
** Loading the shared library with sqlite3_load_extension() (or `.load` in the
** shell) calls sqlite3_mopitr_init(), which registers every function and virtual
** table on that database connection. An application that links mo_pitr statically
** may call the entry point itself, or pass it to sqlite3_auto_extension().
*/
#ifndef MO_PITR_H
#define MO_PITR_H

#ifdef __cplusplus
extern "C" {
#endif

/* The version (MO_PITR_VERSION, MO_PITR_VERSION_NUMBER) is not written here: CMake
** generates mo_pitr_version.h from project(VERSION) in CMakeLists.txt, the one place it
** is defined. At run time: SELECT mo_pitr_version(). */

#if defined(_WIN32)
#define MO_PITR_API __declspec(dllexport)
#else
#define MO_PITR_API __attribute__((visibility("default")))
#endif

struct sqlite3;
struct sqlite3_api_routines;

/*
** Entry point. Registers mo_connect(), mo_disconnect(), mo_pitr_version(), the
** eponymous virtual tables mo_pitr and mo_connections, and the mo_pitr module.
** Returns SQLITE_OK, or an error code with *pzErrMsg set (sqlite3_malloc'd).
*/
MO_PITR_API int sqlite3_mopitr_init(struct sqlite3 *db, char **pzErrMsg,
                                    const struct sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif
#endif /* MO_PITR_H */
