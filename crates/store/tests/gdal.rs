//! GDAL opens what the GeoPackage backend writes: layers, feature counts, SRS, spatial filter.
//! Needs `ogrinfo` (Debian's gdal-bin, installed by the project's test command).

use std::process::Command;

use wangge_store::GpkgStore;

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo").args(args).output().expect(
        "ogrinfo must be installed (apt-get install gdal-bin); the README's test command does it",
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ogrinfo {args:?} failed:\n{text}");
    text
}

#[tokio::test]
async fn gdal_opens_the_geopackage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gdal.gpkg");
    let store = GpkgStore::with_sample(&path).await;
    drop(store);
    let file = path.to_str().expect("utf-8 path");

    let summary = ogrinfo(&["-ro", "-so", "-al", file]);
    assert!(!summary.to_lowercase().contains("error"), "{summary}");
    for (layer, count, geometry) in [
        ("zones", 5, "Multi Polygon"),
        ("compounds", 8, "Multi Polygon"),
        ("buildings", 24, "Multi Polygon"),
        ("streets", 3, "Line String"),
    ] {
        let block = summary
            .split("Layer name: ")
            .find(|b| b.starts_with(layer))
            .unwrap_or_else(|| panic!("no layer {layer}:\n{summary}"));
        assert!(
            block.contains(&format!("Feature Count: {count}")),
            "{layer}:\n{block}"
        );
        assert!(
            block.contains(&format!("Geometry: {geometry}")),
            "{layer}:\n{block}"
        );
        assert!(
            block.contains("WGS 84") || block.contains("4326"),
            "{layer}:\n{block}"
        );
    }
    // A spatial filter goes through the GeoPackage R-tree.
    let filtered = ogrinfo(&[
        "-ro",
        "-so",
        "-spat",
        "102.700",
        "25.030",
        "102.7035",
        "25.040",
        file,
        "buildings",
    ]);
    assert!(filtered.contains("Feature Count: 3"), "{filtered}");
    // Attributes come through with their values.
    let red = ogrinfo(&["-ro", "-q", "-where", "tier = 'red'", file, "compounds"]);
    assert_eq!(red.matches("OGRFeature(compounds)").count(), 2, "{red}");
}
