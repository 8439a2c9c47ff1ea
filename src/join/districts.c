/* Which electoral districts each territory lies in, and for how much of its area. */
#include "covermap/join.h"

cm_status cm_join_districts(cm_store *store, const cm_project *project, cm_error *err)
{
    cm_status st = cm_store_exec(store,
                                 "CREATE TABLE territory_districts(territory_key TEXT, "
                                 "district_key TEXT, district_name TEXT, share REAL);",
                                 err);
    if (st != CM_OK || !project->has_districts)
        return st;
    /* Candidates come from the districts' spatial index; a sliver under half a percent
     * of the territory (boundaries digitised differently) does not count. */
    st = cm_store_begin(store, err);
    if (st != CM_OK)
        return st;
    st = cm_store_exec(
        store,
        "INSERT INTO territory_districts "
        "SELECT key, district_key, district_name, share FROM ("
        "  SELECT t.key AS key, d.key AS district_key, d.name AS district_name,"
        "         ST_Area(ST_Intersection(t.geom, d.geom)) / ST_Area(t.geom) AS share"
        "  FROM territories t JOIN districts d ON d.ROWID IN ("
        "    SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'districts'"
        "      AND f_geometry_column = 'geom' AND search_frame = t.geom)"
        "  WHERE t.geom IS NOT NULL AND ST_Area(t.geom) > 0 AND ST_Intersects(t.geom, d.geom))"
        " WHERE share >= 0.005 ORDER BY key, share DESC, district_key;"
        "CREATE INDEX territory_districts_key ON territory_districts(territory_key);",
        err);
    if (st == CM_OK)
        return cm_store_commit(store, err);
    cm_store_rollback(store);
    return st;
}
