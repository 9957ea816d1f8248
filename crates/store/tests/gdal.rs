//! GDAL opens what the GeoPackage backend writes: layers, feature counts, SRS, spatial filter.
//! Needs `ogrinfo` (Debian's gdal-bin, installed by the project's test command).

use std::process::Command;

use std::collections::BTreeSet;

use wangge_core::Plan;
use wangge_store::{GpkgStore, Store};

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
    // Plans live in wangge's own tables, beside the layers, and must not disturb GDAL.
    let live = store.load().await.expect("load");
    let mut plan = Plan::draft_of(&live, "方案", "li", 0, None);
    plan.info.id = store.create_plan(&plan, &[]).await.expect("create plan");
    let mut zones = plan.zones.clone();
    zones[1].name = "改名".into();
    plan.record("{}", "rename", "li", 1, zones, BTreeSet::from([10]));
    store.save_plan(&plan, 0, &[]).await.expect("save plan");
    drop(store);
    let file = path.to_str().expect("utf-8 path");

    let summary = ogrinfo(&["-ro", "-so", "-al", file]);
    // The plan tables are wangge's own, not GeoPackage layers; listing every table still works.
    assert!(!summary.contains("Layer name: plan"), "{summary}");
    let all = ogrinfo(&["-ro", "-so", "-oo", "LIST_ALL_TABLES=YES", file]);
    assert!(!all.to_lowercase().contains("error"), "{all}");
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
