-- Records whose bounding box intersects the box ($1, $2)–($3, $4), in id order, paged by $5 and $6
-- (appended to a select_*.sql). The GiST index (`&&`, 32-bit boxes rounded outwards) finds the
-- candidates; the exact 64-bit envelope columns decide, as the GeoPackage backend's headers do.
WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)
  AND min_x <= $3 AND max_x >= $1 AND min_y <= $4 AND max_y >= $2
ORDER BY id
LIMIT $5 OFFSET $6
