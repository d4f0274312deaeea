//! The networks hosts are on: ISPs, their ASNs, and the clouds some of
//! them are.

/// A cloud provider and the regions its machines run in.
pub struct Cloud {
    /// `cloud_provider`, `cloud_vm` and the instance id's form follow it.
    pub provider: &'static str,
    pub regions: &'static [&'static str],
}

pub const AWS: Cloud = Cloud {
    provider: "AWS",
    regions: &["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"],
};
pub const AZURE: Cloud = Cloud {
    provider: "Azure",
    regions: &["eastus", "westeurope", "southeastasia"],
};
pub const GCP: Cloud = Cloud {
    provider: "GCP",
    regions: &["us-central1", "europe-west1", "asia-east1"],
};

/// A network a host is on.
pub struct Network {
    pub isp: &'static str,
    pub asn: i32,
    /// The cloud the network is, if any.
    pub cloud: Option<&'static Cloud>,
    pub hosting_provider: &'static str,
}

impl Network {
    const fn new(
        isp: &'static str,
        asn: i32,
        cloud: Option<&'static Cloud>,
        hosting_provider: &'static str,
    ) -> Self {
        Network {
            isp,
            asn,
            cloud,
            hosting_provider,
        }
    }
}

pub const NETWORKS: &[Network] = &[
    Network::new("Amazon.com, Inc.", 16509, Some(&AWS), "Amazon Web Services"),
    Network::new("Amazon.com, Inc.", 14618, Some(&AWS), "Amazon Web Services"),
    Network::new(
        "Microsoft Corporation",
        8075,
        Some(&AZURE),
        "Microsoft Azure",
    ),
    Network::new("Google LLC", 15169, Some(&GCP), "Google Cloud"),
    Network::new("Cloudflare, Inc.", 13335, None, "Cloudflare"),
    Network::new("Akamai Technologies", 20940, None, "Akamai"),
    Network::new("DigitalOcean, LLC", 14061, None, "DigitalOcean"),
    Network::new("Comcast Cable Communications", 7922, None, "Comcast"),
    Network::new("Deutsche Telekom AG", 3320, None, "Deutsche Telekom"),
    Network::new("OVH SAS", 16276, None, "OVHcloud"),
];

/// First octets of the public addresses hosts get.
pub const FIRST_OCTETS: &[u32] = &[3, 13, 18, 20, 34, 35, 52, 54, 104, 142, 151, 185, 198, 203];
