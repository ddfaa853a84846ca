//! Attachment history per address, rebuilt from lifecycle events.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::event::{EventKind, LifecycleEvent, Target};
use crate::ids::{AllocationId, AssociationId};
use crate::{holder_key, non_empty, SnapshotAddress};

/// One period during which an address was attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// What it was attached to (unknown when the attachment began before the window).
    pub target: Option<Target>,
    /// Start; `None` when it began before the events start.
    pub from: Option<DateTime<Utc>>,
    /// End; `None` while still attached, or when nothing recorded its end.
    pub to: Option<DateTime<Utc>>,
}

/// A period during which an address sat on a stopped instance: attached,
/// serving nothing, billed as `PublicIPv4:IdleAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stop {
    /// The instance.
    pub instance: String,
    /// `StopInstances` (or the association to an already stopped instance);
    /// `None` when it was stopped before the events start.
    pub from: Option<DateTime<Utc>>,
    /// `StartInstances` or the end of the attachment; `None` while stopped.
    pub to: Option<DateTime<Utc>>,
}

/// Everything the events say about one address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct History {
    /// `AllocateAddress` (or `AcceptAddressTransfer`) time, if in the events.
    pub allocated_at: Option<DateTime<Utc>>,
    /// `ReleaseAddress` time, if in the events.
    pub released_at: Option<DateTime<Utc>>,
    /// Attachments in time order.
    pub attachments: Vec<Attachment>,
    /// Periods on a stopped instance, in time order.
    pub stops: Vec<Stop>,
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

    /// Ends the open attachment (and a stop on it); with none open, the
    /// address was attached since before the events began.
    fn close(&mut self, at: DateTime<Utc>) -> bool {
        self.resume(at);
        match self.attachments.last_mut() {
            Some(a) if a.to.is_none() => {
                a.to = Some(at);
                true
            }
            _ => false,
        }
    }

    /// An end named precisely (an association id, a holder that the events
    /// or a snapshot tie to this address).
    fn detach(&mut self, at: DateTime<Utc>, target: Option<Target>) {
        if !self.close(at) {
            self.attachments.push(Attachment {
                target,
                from: None,
                to: Some(at),
            });
        }
    }

    /// Is it on `target` at this point of the replay? Either the open
    /// attachment says so, or nothing in the events contradicts what a
    /// snapshot saw (`known_from_snapshot`).
    fn is_on(&self, target: &Target, known_from_snapshot: bool) -> bool {
        match self.attachments.last() {
            Some(a) if a.to.is_none() => a.target.as_ref() == Some(target),
            Some(_) => false,
            None => known_from_snapshot,
        }
    }

    /// An end implied by what happened to `target` (terminated instance,
    /// deleted interface): only when the address is still on it.
    fn end_on(&mut self, at: DateTime<Utc>, target: &Target, known_from_snapshot: bool) {
        if self.is_on(target, known_from_snapshot) {
            self.detach(at, Some(target.clone()));
        }
    }

    fn stop(&mut self, instance: &str, at: Option<DateTime<Utc>>) {
        if self.stops.last().is_none_or(|s| s.to.is_some()) {
            self.stops.push(Stop {
                instance: instance.into(),
                from: at,
                to: None,
            });
        }
    }

    fn resume(&mut self, at: DateTime<Utc>) {
        if let Some(s) = self.stops.last_mut().filter(|s| s.to.is_none()) {
            s.to = Some(at);
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

    /// The attachment that no event ended, if the last one is such.
    pub fn open_attachment(&self) -> Option<&Attachment> {
        self.attachments.last().filter(|a| a.to.is_none())
    }

    /// The stop still in effect at the end of the events, if any.
    pub fn open_stop(&self) -> Option<&Stop> {
        self.stops.last().filter(|s| s.to.is_none())
    }
}

/// Histories by allocation, and events that could not be tied to an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconstruction {
    /// Per address.
    pub histories: BTreeMap<AllocationId, History>,
    /// `DisassociateAddress` calls whose association id no event or snapshot maps.
    pub unmapped_disassociations: Vec<AssociationId>,
    /// NAT gateway / load balancer / Transfer server deletions whose creation is not in the events.
    pub unmapped_deletions: Vec<String>,
    /// Instances stopped at the end of the events, since when.
    pub stopped_instances: HashMap<String, DateTime<Utc>>,
}

/// What the replay knows about who holds what.
#[derive(Default)]
struct Ties {
    association: HashMap<AssociationId, AllocationId>,
    /// Holder key → addresses.
    holders: HashMap<String, Vec<AllocationId>>,
    /// Instance → addresses put on it (by events, or seen by snapshots).
    instances: HashMap<String, Vec<(AllocationId, bool)>>,
    /// Interface → addresses.
    interfaces: HashMap<String, Vec<(AllocationId, bool)>>,
}

fn tie(
    map: &mut HashMap<String, Vec<(AllocationId, bool)>>,
    key: &str,
    a: &AllocationId,
    snapshot: bool,
) {
    let list = map.entry(key.to_string()).or_default();
    if !list.iter().any(|(x, _)| x == a) {
        list.push((a.clone(), snapshot));
    }
}

fn entry<'m>(
    histories: &'m mut BTreeMap<AllocationId, History>,
    a: &AllocationId,
) -> &'m mut History {
    histories.entry(a.clone()).or_default()
}

/// Replays the events in time order (ties broken by event id, so both engines
/// agree). Snapshots tie association ids, holders, instances and interfaces
/// to addresses for attachments made before the events begin.
pub fn reconstruct<'a>(
    events: &[LifecycleEvent],
    snapshots: impl IntoIterator<Item = &'a SnapshotAddress>,
) -> Reconstruction {
    let mut order: Vec<&LifecycleEvent> = events.iter().collect();
    crate::sort_events(&mut order);

    let mut out = Reconstruction::default();
    let mut ties = Ties::default();
    for s in snapshots {
        if let Some(a) = &s.association_id {
            ties.association.insert(a.clone(), s.allocation_id.clone());
        }
        if let Some(h) = s.held_by.as_deref().filter(|h| !h.is_empty()) {
            let held = ties.holders.entry(holder_key(h).to_string()).or_default();
            if !held.contains(&s.allocation_id) {
                held.push(s.allocation_id.clone());
            }
        }
        if let Some(i) = non_empty(&s.instance_id) {
            tie(&mut ties.instances, i, &s.allocation_id, true);
        }
        if let Some(n) = non_empty(&s.network_interface_id) {
            tie(&mut ties.interfaces, n, &s.allocation_id, true);
        }
    }

    for ev in order {
        let t = ev.time;
        match &ev.kind {
            EventKind::Allocate { allocation, .. }
            | EventKind::TransferAccept { allocation, .. } => {
                entry(&mut out.histories, allocation).allocated_at = Some(t);
            }
            EventKind::Associate {
                allocation,
                association: assoc,
                target,
            } => {
                if let Some(a) = assoc {
                    ties.association.insert(a.clone(), allocation.clone());
                }
                let h = entry(&mut out.histories, allocation);
                h.open(target.clone(), t);
                match target {
                    Target::Instance(i) => {
                        if out.stopped_instances.contains_key(i) {
                            h.stop(i, Some(t));
                        }
                        tie(&mut ties.instances, i, allocation, false);
                    }
                    Target::NetworkInterface(n) => tie(&mut ties.interfaces, n, allocation, false),
                    _ => {}
                }
            }
            EventKind::Disassociate { association: assoc } => match ties.association.get(assoc) {
                Some(alloc) => entry(&mut out.histories, alloc).detach(t, None),
                None => out.unmapped_disassociations.push(assoc.clone()),
            },
            EventKind::Release { allocation } => {
                let h = entry(&mut out.histories, allocation);
                h.close(t);
                h.released_at = Some(t);
            }
            EventKind::HoldCreate {
                holder,
                allocations,
            } => {
                for a in allocations {
                    entry(&mut out.histories, a).open(holder.clone(), t);
                }
                ties.holders
                    .insert(holder.key().to_string(), allocations.clone());
            }
            EventKind::HoldSet {
                holder,
                allocations,
            } => {
                let before = ties.holders.remove(holder.key()).unwrap_or_default();
                for a in before.iter().filter(|a| !allocations.contains(a)) {
                    entry(&mut out.histories, a).detach(t, Some(holder.clone()));
                }
                for a in allocations {
                    let h = entry(&mut out.histories, a);
                    // Kept: on it per the events, or held since before them (a snapshot says so).
                    let kept = h.is_on(holder, before.contains(a));
                    if !kept {
                        h.open(holder.clone(), t);
                    }
                }
                ties.holders
                    .insert(holder.key().to_string(), allocations.clone());
            }
            EventKind::HoldAdd {
                holder,
                allocations,
            } => {
                let held = ties.holders.entry(holder.key().to_string()).or_default();
                for a in allocations {
                    if !held.contains(a) {
                        held.push(a.clone());
                    }
                    let h = entry(&mut out.histories, a);
                    if !h.is_on(holder, false) {
                        h.open(holder.clone(), t);
                    }
                }
            }
            EventKind::HoldRemove {
                holder,
                allocations,
                associations,
            } => {
                let mut removed = allocations.clone();
                for assoc in associations {
                    match ties.association.get(assoc) {
                        Some(a) if !removed.contains(a) => removed.push(a.clone()),
                        Some(_) => {}
                        None if allocations.is_empty() => {
                            out.unmapped_disassociations.push(assoc.clone())
                        }
                        None => {}
                    }
                }
                if let Some(held) = ties.holders.get_mut(holder.key()) {
                    held.retain(|a| !removed.contains(a));
                }
                for a in &removed {
                    entry(&mut out.histories, a).detach(t, Some(holder.clone()));
                }
            }
            EventKind::HoldEnd { holder } => match ties.holders.remove(holder.key()) {
                Some(allocs) => {
                    for a in allocs {
                        // Closes the hold opened by the create, or records one that
                        // began before the events (known from a snapshot).
                        entry(&mut out.histories, &a).detach(t, Some(holder.clone()));
                    }
                }
                None => out.unmapped_deletions.push(holder.id().to_string()),
            },
            EventKind::InstancesTerminate { instances } => {
                for i in instances {
                    out.stopped_instances.remove(i);
                    let target = Target::Instance(i.clone());
                    for (a, seen) in ties.instances.remove(i).unwrap_or_default() {
                        entry(&mut out.histories, &a).end_on(t, &target, seen);
                    }
                }
            }
            EventKind::InstancesStop { instances } => {
                for i in instances {
                    out.stopped_instances.entry(i.clone()).or_insert(t);
                    let target = Target::Instance(i.clone());
                    for (a, seen) in ties.instances.get(i).into_iter().flatten() {
                        let h = entry(&mut out.histories, a);
                        if h.is_on(&target, *seen) {
                            h.stop(i, Some(t));
                        }
                    }
                }
            }
            EventKind::InstancesStart { instances } => {
                for i in instances {
                    let was_stopped = out.stopped_instances.remove(i).is_some();
                    let target = Target::Instance(i.clone());
                    for (a, seen) in ties.instances.get(i).into_iter().flatten() {
                        let h = entry(&mut out.histories, a);
                        if !h.is_on(&target, *seen) {
                            continue;
                        }
                        if !was_stopped && h.open_stop().is_none() {
                            // Stopped since before the events began.
                            h.stop(i, None);
                        }
                        h.resume(t);
                    }
                }
            }
            EventKind::NetworkInterfaceDelete { network_interface } => {
                let target = Target::NetworkInterface(network_interface.clone());
                for (a, seen) in ties
                    .interfaces
                    .remove(network_interface)
                    .unwrap_or_default()
                {
                    entry(&mut out.histories, &a).end_on(t, &target, seen);
                }
            }
        }
    }
    out
}
