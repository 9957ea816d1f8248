-- Records an applied change: its data version, the layers and the box it touched.
INSERT INTO wangge_changes (version, layers, min_x, min_y, max_x, max_y) VALUES ($1, $2, $3, $4, $5, $6)
