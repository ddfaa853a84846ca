//! The store's version: bump it whenever the events a day yields could
//! change for the same CloudTrail files (an event added to
//! `vpcwarden_eip::extract::EVENTS`, a new `EventKind`, a field read
//! differently), so the new code never reads days the old code extracted.

/// The event set's version (`vpcwarden_eip::extract::EVENTS_VERSION`): the
/// Athena table over the store names the same prefix.
pub const STORE_VERSION: u32 = vpcwarden_eip::extract::EVENTS_VERSION;

#[cfg(test)]
mod tests {
    use vpcwarden_eip::extract::EVENTS;

    /// Fails when the event set changes without a new [`super::STORE_VERSION`]:
    /// update the list here together with the version.
    #[test]
    fn the_event_set_is_the_one_this_version_was_made_for() {
        let names: Vec<String> = EVENTS.iter().map(|(s, n)| format!("{s}:{n}")).collect();
        assert_eq!(
            (super::STORE_VERSION, names.join(",")),
            (
                1,
                "ec2.amazonaws.com:AllocateAddress,ec2.amazonaws.com:AssociateAddress,\
ec2.amazonaws.com:DisassociateAddress,ec2.amazonaws.com:ReleaseAddress,\
ec2.amazonaws.com:AcceptAddressTransfer,ec2.amazonaws.com:CreateNatGateway,\
ec2.amazonaws.com:DeleteNatGateway,ec2.amazonaws.com:AssociateNatGatewayAddress,\
ec2.amazonaws.com:DisassociateNatGatewayAddress,ec2.amazonaws.com:TerminateInstances,\
ec2.amazonaws.com:StopInstances,ec2.amazonaws.com:StartInstances,\
ec2.amazonaws.com:DeleteNetworkInterface,elasticloadbalancing.amazonaws.com:CreateLoadBalancer,\
elasticloadbalancing.amazonaws.com:DeleteLoadBalancer,elasticloadbalancing.amazonaws.com:SetSubnets,\
transfer.amazonaws.com:CreateServer,transfer.amazonaws.com:UpdateServer,\
transfer.amazonaws.com:DeleteServer"
                    .to_string()
            ),
            "the event set changed: bump STORE_VERSION and this list together"
        );
    }
}
