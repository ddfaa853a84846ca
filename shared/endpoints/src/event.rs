//! One `MWAA Environment Status Change` event: a hint that an environment
//! changed. The event says what to look at; the decision rests on the event
//! only when it is complete and not older than this tool's last action for
//! the environment, else on `GetEnvironment`.

use tracing::{info, warn};
use vpcwarden_mwaa_event::{
    Cleanup, Desired, EnvironmentName, EventError, MwaaStatusChange, Origin, DETAIL_TYPE, SOURCE,
};

use crate::converge::converge;
use crate::error::ProvisionError;
use crate::identity::EnvKey;
use crate::ledger::{self, Entry};
use crate::port::{Ec2Port, EndpointQuery, MwaaPort};
use crate::provision::provision_unless_stale;
use crate::report::Report;
use crate::settings::{Lookup, Settings};
use crate::tags;

/// The parts of an EventBridge envelope this tool reads.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// Event id (for logs and the report).
    pub id: Option<&'a str>,
    /// `source`.
    pub source: Option<&'a str>,
    /// `detail-type`.
    pub detail_type: Option<&'a str>,
    /// `account`: the account that owns the environment.
    pub account: Option<&'a str>,
    /// `region`: where the environment is.
    pub region: Option<&'a str>,
    /// `time`, epoch seconds: when MWAA emitted the event.
    pub time: Option<i64>,
    /// `detail`.
    pub detail: &'a serde_json::Value,
}

impl<'a> Envelope<'a> {
    /// The envelope of an EventBridge event as JSON (a `time` that is not
    /// RFC 3339 is treated as absent: no staleness check).
    pub fn from_json(event: &'a serde_json::Value) -> Self {
        Envelope {
            id: event["id"].as_str(),
            source: event["source"].as_str(),
            detail_type: event["detail-type"].as_str(),
            account: event["account"].as_str(),
            region: event["region"].as_str(),
            time: event["time"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp()),
            detail: &event["detail"],
        }
    }
}

/// What an event's outcome rests on.
enum Basis {
    /// `GetEnvironment`, and why it was asked.
    Api(String),
    /// The event itself.
    Event(Desired),
    /// Nothing: the event is stale and the API is off.
    Skip,
    /// Carried out already (from the event: it was not stale).
    Done(Report),
}

/// Parses, checks and carries out one event.
pub async fn handle(
    ec2: &impl Ec2Port,
    mwaa: &impl MwaaPort,
    event: Envelope<'_>,
    settings: &Settings,
) -> Result<Report, ProvisionError> {
    if event.source != Some(SOURCE) || event.detail_type != Some(DETAIL_TYPE) {
        return Err(EventError::NotMwaa {
            event_source: event.source.unwrap_or("(none)").into(),
            detail_type: event.detail_type.unwrap_or("(none)").into(),
        }
        .into());
    }
    if let Some(r) = event.region.filter(|r| *r != settings.region) {
        return Err(ProvisionError::WrongRegion {
            event: r.to_string(),
            ours: settings.region.clone(),
        });
    }
    let seen = MwaaStatusChange::from_value(event.detail)?.environment(event.account);
    let name_field = Origin::Event.path("name");
    let name = seen
        .name
        .as_deref()
        .ok_or_else(|| EventError::Missing {
            field: name_field.clone(),
            status: "any".into(),
        })
        .and_then(|n| EnvironmentName::parse(&name_field, n))?;
    let missing = seen.missing_for_endpoints();
    let ask = match settings.lookup {
        Lookup::Never => None,
        Lookup::Always => Some("VPCWARDEN_MWAA_LOOKUP=always".to_string()),
        Lookup::Missing if !missing.is_empty() => {
            Some(format!("the event lacks {}", missing.join(", ")))
        }
        Lookup::Missing => None,
    };
    // The event decides only when it is complete and not stale (or the API is off).
    let (basis, stale) = match ask {
        Some(why) => (Basis::Api(why), None),
        // Endpoints: the plan reads the environment's ledger record anyway,
        // so staleness is checked on that read (no listing of its own).
        None => match seen.desired()? {
            Desired::Present(p) => {
                match provision_unless_stale(ec2, &p, settings, event.time).await? {
                    Ok(mut r) => {
                        r.decided_from = "event".into();
                        (Basis::Done(r), None)
                    }
                    Err(why) if settings.lookup == Lookup::Never => (Basis::Skip, Some(why)),
                    Err(why) => (Basis::Api("the event is stale".into()), Some(why)),
                }
            }
            Desired::Absent(c) => match cleanup_staleness(ec2, &c, event.time, settings).await? {
                None => (Basis::Event(Desired::Absent(c)), None),
                Some(why) if settings.lookup == Lookup::Never => (Basis::Skip, Some(why)),
                Some(why) => (Basis::Api("the event is stale".into()), Some(why)),
            },
            d => (Basis::Event(d), None),
        },
    };
    let mut report = match basis {
        Basis::Done(r) => r,
        Basis::Api(why) => {
            info!(%why, "reading the environment from GetEnvironment");
            let desired = from_api(mwaa, seen.account.as_deref(), &name).await?;
            let mut r = converge(ec2, &desired, settings).await?;
            r.decided_from = "get_environment".into();
            r
        }
        Basis::Event(desired) => {
            let mut r = converge(ec2, &desired, settings).await?;
            r.decided_from = "event".into();
            r
        }
        Basis::Skip => {
            let why = stale.as_deref().unwrap_or_default();
            warn!(%why, "stale event skipped");
            Report {
                environment: Some(name.to_string()),
                action: "stale".into(),
                dry_run: settings.dry_run,
                skipped: vec![format!("stale event: {why}")],
                decided_from: "event".into(),
                ..Report::default()
            }
        }
    };
    report.event_id = event.id.map(str::to_string);
    report.stale = stale;
    if report.status.is_none() {
        report.status = seen.status.as_ref().map(|s| s.as_str().to_string());
    }
    Ok(report)
}

/// Why an event asking for the endpoints (time `t`) is older than this
/// tool's removal of the environment's queue, if it is: `recorded` are the
/// environment's ledger entries. A claim in force means nothing is stale.
pub(crate) fn stale_claim(recorded: &[Entry], t: i64) -> Option<String> {
    let removed = recorded
        .iter()
        .filter(|e| e.active_arn().is_none())
        .filter_map(Entry::at)
        .max();
    let claimed = recorded.iter().any(|e| e.active_arn().is_some());
    (!claimed && removed.is_some_and(|a| a as i64 > t)).then(|| {
        format!(
            "the event (time {t}) is older than this tool's removal of the environment's queue (time {})",
            removed.unwrap_or_default()
        )
    })
}

/// What `GetEnvironment` says the environment needs; not found means deleted.
pub(crate) async fn from_api(
    mwaa: &impl MwaaPort,
    account: Option<&str>,
    name: &EnvironmentName,
) -> Result<Desired, ProvisionError> {
    match mwaa.get_environment(account, name.as_str()).await? {
        Some(env) => env.desired().map_err(ProvisionError::Environment),
        None => Ok(Desired::Absent(Cleanup {
            environment: name.clone(),
            account: account.map(str::to_string),
            reason: "GetEnvironment does not find it (deleted)".into(),
        })),
    }
}

/// Why an event asking for a cleanup (time `event_time`) is older than this
/// tool's last claim of the environment's queue or an endpoint it made for
/// it, if it is. A removal never makes it stale: a redelivery must be able
/// to finish what its first delivery started. (An event asking for the
/// endpoints is checked on the plan's own read: see [`stale_claim`].)
async fn cleanup_staleness(
    ec2: &impl Ec2Port,
    c: &Cleanup,
    event_time: Option<i64>,
    settings: &Settings,
) -> Result<Option<String>, ProvisionError> {
    let Some(t) = event_time else {
        return Ok(None);
    };
    // Without the account there is no identity: the cleanup says so.
    let Ok(id) = EnvKey::new(c.account.as_deref(), &settings.region, &c.environment) else {
        return Ok(None);
    };
    let recorded: Vec<Entry> = ec2
        .find_endpoints(&EndpointQuery {
            service_name: Some(format!("com.amazonaws.{}.sqs", settings.region)),
            ..EndpointQuery::default()
        })
        .await?
        .iter()
        .flat_map(|e| ledger::recorded(e, &id))
        .collect();
    if let Some(at) = recorded
        .iter()
        .filter(|e| e.active_arn().is_some())
        .filter_map(Entry::at)
        .find(|a| *a as i64 > t)
    {
        return Ok(Some(format!(
            "the event (time {t}) is older than this tool's claim of the environment's queue (time {at})"
        )));
    }
    let newer = ec2
        .find_endpoints(&EndpointQuery {
            tags: tags::selector(&id, None),
            ..EndpointQuery::default()
        })
        .await?
        .into_iter()
        .find(|e| e.created_ms / 1000 > t);
    Ok(newer.map(|e| {
            format!(
                "the event (time {t}) is older than endpoint {} this tool made for the environment (time {})",
                e.id,
                e.created_ms / 1000
            )
        }))
}
