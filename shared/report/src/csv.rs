//! CSV through the `csv` crate (RFC 4180 quoting, `\r` included), one row per
//! address, with every cell a spreadsheet would run as a formula made inert.

use vpcwarden_eip::money::cents;
use vpcwarden_ipv4::Ipv4Report;

use crate::text::tags;
use crate::{IdleEipReport, Report};

/// A cell a spreadsheet would evaluate (it begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return, and is not a plain number) gets a leading `'`,
/// which Excel, LibreOffice and Google Sheets read as "text" (OWASP's advice
/// for CSV injection). Tags and notes come from anyone who may tag an address.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn write(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header).expect("writing to memory");
    for row in rows {
        w.write_record(row.iter().map(|c| neutralise(c).into_owned()))
            .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("cells are UTF-8")
}

fn money(x: f64) -> String {
    format!("{:.2}", cents(x))
}

pub(crate) fn render(report: Report<'_>) -> String {
    match report {
        Report::IdleEips(r) => idle(r),
        Report::PublicIpv4(r) => ipv4(r),
    }
}

fn idle(r: &IdleEipReport) -> String {
    const HEADER: [&str; 19] = [
        "allocation_id",
        "public_ip",
        "region",
        "account",
        "status",
        "attached_to",
        "idle_since",
        "idle_since_basis",
        "idle_days",
        "attachment_count",
        "last_attached_at",
        "monthly_cost_usd",
        "waste_in_window_usd",
        "excluded",
        "flagged",
        "note",
        "name",
        "owner",
        "tags",
    ];
    write(
        &HEADER,
        r.addresses.iter().map(|a| {
            vec![
                a.allocation_id.to_string(),
                a.public_ip.clone(),
                a.region.clone(),
                a.account.clone(),
                a.status.as_str().into(),
                a.attached_to.clone().unwrap_or_default(),
                a.idle_since.map(|t| t.to_rfc3339()).unwrap_or_default(),
                a.idle_since_basis.as_str().into(),
                a.idle_days.map(money).unwrap_or_default(),
                a.attachment_count.to_string(),
                a.last_attached_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                money(a.monthly_cost_usd),
                a.waste_in_window_usd.map(money).unwrap_or_default(),
                a.excluded.to_string(),
                a.flagged.to_string(),
                a.note.clone().unwrap_or_default(),
                r.name_of(a).unwrap_or_default().into(),
                r.owner_of(a).unwrap_or_default().into(),
                tags(&a.tags),
            ]
        }),
    )
}

fn ipv4(r: &Ipv4Report) -> String {
    const HEADER: [&str; 16] = [
        "public_ip",
        "kind",
        "holder_type",
        "holder_id",
        "account",
        "region",
        "vpc_id",
        "subnet_id",
        "network_interface_id",
        "allocation_id",
        "monthly_cost_usd",
        "kept",
        "saving_monthly_usd",
        "way_out",
        "only_if",
        "tags",
    ];
    write(
        &HEADER,
        r.addresses.iter().map(|a| {
            let p = &a.address;
            let w = a.way_out.as_ref();
            vec![
                p.public_ip.clone(),
                p.kind.as_str().into(),
                p.holder.kind.as_str().into(),
                p.holder.id.clone().unwrap_or_default(),
                p.account.clone(),
                p.region.clone(),
                p.vpc_id.clone().unwrap_or_default(),
                p.subnet_id.clone().unwrap_or_default(),
                p.network_interface_id.clone().unwrap_or_default(),
                p.allocation_id.clone().unwrap_or_default(),
                money(a.monthly_cost_usd),
                a.kept.to_string(),
                w.map(|w| money(w.saving_monthly_usd)).unwrap_or_default(),
                w.map(|w| w.action.clone()).unwrap_or_default(),
                w.and_then(|w| w.only_if.clone()).unwrap_or_default(),
                tags(p.tags.iter().map(|(k, v)| (k, v))),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralise("+1+cmd"), "'+1+cmd");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("-12.50"), "-12.50");
        assert_eq!(neutralise("web-1"), "web-1");
        assert_eq!(neutralise(""), "");
    }
}
