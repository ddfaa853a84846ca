//! Attachment history per address, rebuilt from lifecycle events.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::event::{EventKind, LifecycleEvent, Target};
use crate::ids::{AllocationId, AssociationId};
use crate::{holder_key, SnapshotAddress};

/// One period during which an address was attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// What it was attached to (unknown when the attachment began before the window).
    pub target: Option<Target>,
    /// Start; `None` when it began before the events start.
    pub from: Option<DateTime<Utc>>,
    /// End; `None` while still attached.
    pub to: Option<DateTime<Utc>>,
}

/// Everything the events say about one address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct History {
    /// `AllocateAddress` time, if in the events.
    pub allocated_at: Option<DateTime<Utc>>,
    /// `ReleaseAddress` time, if in the events.
    pub released_at: Option<DateTime<Utc>>,
    /// Attachments in time order.
    pub attachments: Vec<Attachment>,
}

impl History {
    fn open(&mut self, target: Target, at: DateTime<Utc>) {
        self.close(at);
        self.attachments.push(Attachment {
            target: Some(target),
            from: Some(at),
            to: None,
        });
    }

    /// Ends the open attachment; with none open, the address was attached
    /// since before the events began.
    fn close(&mut self, at: DateTime<Utc>) -> bool {
        match self.attachments.last_mut() {
            Some(a) if a.to.is_none() => {
                a.to = Some(at);
                true
            }
            _ => false,
        }
    }

    fn detach(&mut self, at: DateTime<Utc>, target: Option<Target>) {
        if !self.close(at) {
            self.attachments.push(Attachment {
                target,
                from: None,
                to: Some(at),
            });
        }
    }

    /// Attachments that began at or after `since`.
    pub fn attachments_since(&self, since: DateTime<Utc>) -> impl Iterator<Item = &Attachment> {
        self.attachments
            .iter()
            .filter(move |a| a.from.is_some_and(|f| f >= since))
    }

    /// The last time an attachment ended.
    pub fn last_detached_at(&self) -> Option<DateTime<Utc>> {
        self.attachments.iter().filter_map(|a| a.to).max()
    }
}

/// Histories by allocation, and events that could not be tied to an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconstruction {
    /// Per address.
    pub histories: BTreeMap<AllocationId, History>,
    /// `DisassociateAddress` calls whose association id no event or snapshot maps.
    pub unmapped_disassociations: Vec<AssociationId>,
    /// NAT gateway / load balancer deletions whose creation is not in the events.
    pub unmapped_deletions: Vec<String>,
}

/// Replays the events in time order (ties broken by event id, so both engines
/// agree). Association ids seen in snapshots map disassociations of
/// attachments made before the events begin.
pub fn reconstruct<'a>(
    events: &[LifecycleEvent],
    snapshots: impl IntoIterator<Item = &'a SnapshotAddress>,
) -> Reconstruction {
    let mut order: Vec<&LifecycleEvent> = events.iter().collect();
    order.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    order.dedup_by(|a, b| a.event_id == b.event_id);

    let mut out = Reconstruction::default();
    let mut association: HashMap<AssociationId, AllocationId> = HashMap::new();
    // Holds that began before the events, as snapshots saw them.
    let mut holders: HashMap<String, Vec<AllocationId>> = HashMap::new();
    for s in snapshots {
        if let Some(a) = &s.association_id {
            association.insert(a.clone(), s.allocation_id.clone());
        }
        if let Some(h) = s.held_by.as_deref().filter(|h| !h.is_empty()) {
            let held = holders.entry(holder_key(h).to_string()).or_default();
            if !held.contains(&s.allocation_id) {
                held.push(s.allocation_id.clone());
            }
        }
    }

    for ev in order {
        let t = ev.time;
        match &ev.kind {
            EventKind::Allocate { allocation, .. } => {
                out.histories
                    .entry(allocation.clone())
                    .or_default()
                    .allocated_at = Some(t);
            }
            EventKind::Associate {
                allocation,
                association: assoc,
                target,
            } => {
                if let Some(a) = assoc {
                    association.insert(a.clone(), allocation.clone());
                }
                out.histories
                    .entry(allocation.clone())
                    .or_default()
                    .open(target.clone(), t);
            }
            EventKind::Disassociate { association: assoc } => match association.get(assoc) {
                Some(alloc) => out
                    .histories
                    .entry(alloc.clone())
                    .or_default()
                    .detach(t, None),
                None => out.unmapped_disassociations.push(assoc.clone()),
            },
            EventKind::Release { allocation } => {
                let h = out.histories.entry(allocation.clone()).or_default();
                h.close(t);
                h.released_at = Some(t);
            }
            EventKind::NatGatewayCreate {
                nat_gateway: holder,
                allocations,
            }
            | EventKind::LoadBalancerCreate {
                load_balancer: holder,
                allocations,
            } => {
                let target = match &ev.kind {
                    EventKind::NatGatewayCreate { .. } => Target::NatGateway(holder.clone()),
                    _ => Target::LoadBalancer(holder.clone()),
                };
                for a in allocations {
                    out.histories
                        .entry(a.clone())
                        .or_default()
                        .open(target.clone(), t);
                }
                holders.insert(holder_key(holder).to_string(), allocations.clone());
            }
            EventKind::NatGatewayDelete {
                nat_gateway: holder,
            }
            | EventKind::LoadBalancerDelete {
                load_balancer: holder,
            } => match holders.remove(holder_key(holder)) {
                Some(allocs) => {
                    let target = match &ev.kind {
                        EventKind::NatGatewayDelete { .. } => Target::NatGateway(holder.clone()),
                        _ => Target::LoadBalancer(holder.clone()),
                    };
                    for a in allocs {
                        // Closes the hold opened by the create, or records one that
                        // began before the events (known from a snapshot).
                        out.histories
                            .entry(a)
                            .or_default()
                            .detach(t, Some(target.clone()));
                    }
                }
                None => out.unmapped_deletions.push(holder.clone()),
            },
        }
    }
    out
}
