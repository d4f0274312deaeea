//! What answers on a host's ports. A [`Product`] is one coherent kind of
//! service: the ports it answers on, the software answering, the page a web
//! service serves and the platforms it runs on. A service is drawn from one
//! product, so its applications, title, headers and operating system agree.

/// A port services are found on, with the protocol and transport it carries.
pub struct Port {
    pub number: i32,
    pub protocol: &'static str,
    pub transport: &'static str,
}

impl Port {
    const fn new(number: i32, protocol: &'static str, transport: &'static str) -> Self {
        Port {
            number,
            protocol,
            transport,
        }
    }
}

pub const PORTS: &[Port] = &[
    Port::new(443, "HTTPS", "tcp"),
    Port::new(80, "HTTP", "tcp"),
    Port::new(22, "SSH", "tcp"),
    Port::new(8443, "HTTPS", "tcp"),
    Port::new(8080, "HTTP", "tcp"),
    Port::new(25, "SMTP", "tcp"),
    Port::new(21, "FTP", "tcp"),
    Port::new(3389, "RDP", "tcp"),
    Port::new(53, "DNS", "udp"),
    Port::new(3306, "MYSQL", "tcp"),
    Port::new(5432, "POSTGRESQL", "tcp"),
    Port::new(123, "NTP", "udp"),
    Port::new(161, "SNMP", "udp"),
    Port::new(445, "SMB", "tcp"),
    Port::new(6443, "HTTPS", "tcp"),
];

/// The platforms of `platform_name`, as the schema's description names
/// them ("Windows, Mac, Linux"); no server here runs a Mac.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    Windows,
}

impl Platform {
    /// The value of `platform_name`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Linux => "Linux",
            Platform::Windows => "Windows",
        }
    }
}

/// The operating system a host runs: `os` (open text) on its platform.
pub struct System {
    pub os: &'static str,
    pub platform: Platform,
}

/// The systems hosts run, one drawn per asset.
pub const SYSTEMS: &[System] = &[
    System {
        os: "Ubuntu",
        platform: Platform::Linux,
    },
    System {
        os: "Debian",
        platform: Platform::Linux,
    },
    System {
        os: "CentOS",
        platform: Platform::Linux,
    },
    System {
        os: "Linux",
        platform: Platform::Linux,
    },
    System {
        os: "Windows",
        platform: Platform::Windows,
    },
];

/// Software a service runs: the fields of `domain.ExternalAssetApplication`
/// and its CPE.
pub struct Software {
    pub name: &'static str,
    pub vendor: &'static str,
    pub category: &'static str,
    pub versions: &'static [&'static str],
    /// `vendor:product` of its CPE.
    pub cpe_product: &'static str,
    /// The product token of its `Server` header (`nginx/1.24.0`); `None`
    /// for software that sends none.
    pub server_token: Option<&'static str>,
}

pub const NGINX: Software = Software {
    name: "nginx",
    vendor: "F5",
    category: "Web Servers",
    versions: &["1.18.0", "1.22.1", "1.24.0", "1.25.3"],
    cpe_product: "nginx:nginx",
    server_token: Some("nginx"),
};
pub const APACHE: Software = Software {
    name: "Apache HTTP Server",
    vendor: "Apache",
    category: "Web Servers",
    versions: &["2.4.41", "2.4.54", "2.4.57"],
    cpe_product: "apache:http_server",
    server_token: Some("Apache"),
};
pub const IIS: Software = Software {
    name: "Microsoft IIS",
    vendor: "Microsoft",
    category: "Web Servers",
    versions: &["8.5", "10.0"],
    cpe_product: "microsoft:internet_information_services",
    server_token: Some("Microsoft-IIS"),
};
pub const OPENSSH: Software = Software {
    name: "OpenSSH",
    vendor: "OpenBSD",
    category: "Remote Access",
    versions: &["7.4", "8.2p1", "8.9p1", "9.3p1"],
    cpe_product: "openbsd:openssh",
    server_token: None,
};
pub const WORDPRESS: Software = Software {
    name: "WordPress",
    vendor: "WordPress",
    category: "CMS",
    versions: &["5.8.3", "6.2.2", "6.4.1"],
    cpe_product: "wordpress:wordpress",
    server_token: None,
};
pub const JENKINS: Software = Software {
    name: "Jenkins",
    vendor: "Jenkins",
    category: "DevOps",
    versions: &["2.332.3", "2.401.1"],
    cpe_product: "jenkins:jenkins",
    server_token: None,
};
pub const GRAFANA: Software = Software {
    name: "Grafana",
    vendor: "Grafana Labs",
    category: "Monitoring",
    versions: &["8.5.0", "9.5.2", "10.1.0"],
    cpe_product: "grafana:grafana",
    server_token: None,
};
pub const POSTFIX: Software = Software {
    name: "Postfix",
    vendor: "Postfix",
    category: "Mail Servers",
    versions: &["3.4.13", "3.6.4"],
    cpe_product: "postfix:postfix",
    server_token: None,
};
pub const MYSQL: Software = Software {
    name: "MySQL",
    vendor: "Oracle",
    category: "Databases",
    versions: &["5.7.42", "8.0.33"],
    cpe_product: "oracle:mysql",
    server_token: None,
};
pub const POSTGRESQL: Software = Software {
    name: "PostgreSQL",
    vendor: "PostgreSQL",
    category: "Databases",
    versions: &["12.15", "14.8", "15.3"],
    cpe_product: "postgresql:postgresql",
    server_token: None,
};
pub const FORTIGATE: Software = Software {
    name: "Fortinet FortiGate",
    vendor: "Fortinet",
    category: "VPN",
    versions: &["7.0.12", "7.2.5"],
    cpe_product: "fortinet:fortios",
    server_token: None,
};
pub const CITRIX_GATEWAY: Software = Software {
    name: "Citrix Gateway",
    vendor: "Citrix",
    category: "VPN",
    versions: &["13.0", "13.1"],
    cpe_product: "citrix:gateway",
    server_token: None,
};
pub const EXCHANGE: Software = Software {
    name: "Microsoft Exchange Server",
    vendor: "Microsoft",
    category: "Mail Servers",
    versions: &["2016 CU23", "2019 CU13"],
    cpe_product: "microsoft:exchange_server",
    server_token: None,
};
pub const VSFTPD: Software = Software {
    name: "vsftpd",
    vendor: "vsftpd",
    category: "File Transfer",
    versions: &["3.0.3", "3.0.5"],
    cpe_product: "vsftpd_project:vsftpd",
    server_token: None,
};
pub const KUBERNETES: Software = Software {
    name: "Kubernetes API Server",
    vendor: "CNCF",
    category: "Container Orchestration",
    versions: &["1.26.3", "1.27.2"],
    cpe_product: "kubernetes:kubernetes",
    server_token: None,
};

/// What a web service answers a request for `/` with.
pub struct Page {
    /// `status_code`; the status line of `response_headers` carries its
    /// reason phrase.
    pub status: u16,
    /// The page's title; `None` for a reply that is not an HTML page.
    pub title: Option<&'static str>,
    pub content_type: &'static str,
    /// The page sends the client on to the HTTPS site (`Location`).
    pub redirects: bool,
}

const fn html(status: u16, title: &'static str) -> Page {
    Page {
        status,
        title: Some(title),
        content_type: "text/html",
        redirects: false,
    }
}

/// nginx's and Apache's answer on a port that only sends clients to HTTPS.
const MOVED_TO_HTTPS: Page = Page {
    redirects: true,
    ..html(301, "301 Moved Permanently")
};

/// One coherent kind of service.
pub struct Product {
    /// The ports it answers on.
    pub ports: &'static [i32],
    /// The software answering, a web application after the web server in
    /// front of it; empty when nothing known answers (RDP, DNS…).
    pub software: &'static [&'static Software],
    /// What a web service serves; `None` for the other protocols.
    pub page: Option<Page>,
    /// The platforms it runs on; empty for an appliance, which reports no
    /// operating system.
    pub platforms: &'static [Platform],
}

impl Product {
    /// Whether it runs on a host of `platform`: an appliance is its own host.
    pub fn runs_on(&self, platform: Platform) -> bool {
        self.platforms.is_empty() || self.platforms.contains(&platform)
    }
}

const WEB: &[i32] = &[80, 8080, 443, 8443];
const PLAIN_HTTP: &[i32] = &[80];
const TLS_WEB: &[i32] = &[443, 8443];
const LINUX: &[Platform] = &[Platform::Linux];
const WINDOWS: &[Platform] = &[Platform::Windows];
const ANY: &[Platform] = &[Platform::Linux, Platform::Windows];
const APPLIANCE: &[Platform] = &[];

const fn web(
    software: &'static [&'static Software],
    page: Page,
    on: &'static [Platform],
) -> Product {
    Product {
        ports: WEB,
        software,
        page: Some(page),
        platforms: on,
    }
}

const fn other(
    ports: &'static [i32],
    software: &'static [&'static Software],
    on: &'static [Platform],
) -> Product {
    Product {
        ports,
        software,
        page: None,
        platforms: on,
    }
}

pub const PRODUCTS: &[Product] = &[
    web(&[&NGINX], html(200, "Welcome to nginx!"), LINUX),
    web(&[&APACHE], html(200, "Index of /"), LINUX),
    web(&[&IIS], html(200, "IIS Windows Server"), WINDOWS),
    web(
        &[&NGINX, &WORDPRESS],
        html(200, "Just another WordPress site"),
        LINUX,
    ),
    web(
        &[&APACHE, &WORDPRESS],
        html(200, "Just another WordPress site"),
        LINUX,
    ),
    web(&[&NGINX, &JENKINS], html(200, "Dashboard [Jenkins]"), LINUX),
    web(
        &[&APACHE, &JENKINS],
        html(200, "Dashboard [Jenkins]"),
        LINUX,
    ),
    web(&[&NGINX, &GRAFANA], html(200, "Grafana"), LINUX),
    web(&[&APACHE, &GRAFANA], html(200, "Grafana"), LINUX),
    Product {
        ports: PLAIN_HTTP,
        ..web(&[&NGINX], MOVED_TO_HTTPS, LINUX)
    },
    Product {
        ports: PLAIN_HTTP,
        ..web(&[&APACHE], MOVED_TO_HTTPS, LINUX)
    },
    Product {
        ports: TLS_WEB,
        ..web(&[&FORTIGATE], html(200, "Sign in"), APPLIANCE)
    },
    Product {
        ports: TLS_WEB,
        ..web(&[&CITRIX_GATEWAY], html(200, "Citrix Gateway"), APPLIANCE)
    },
    Product {
        ports: TLS_WEB,
        ..web(&[&IIS, &EXCHANGE], html(200, "Outlook"), WINDOWS)
    },
    // The API server answers an anonymous request with a JSON Status, no page.
    Product {
        ports: &[6443],
        software: &[&KUBERNETES],
        page: Some(Page {
            status: 401,
            title: None,
            content_type: "application/json",
            redirects: false,
        }),
        platforms: LINUX,
    },
    other(&[22], &[&OPENSSH], LINUX),
    other(&[25], &[&POSTFIX], LINUX),
    other(&[25], &[&EXCHANGE], WINDOWS),
    other(&[21], &[&VSFTPD], LINUX),
    other(&[3306], &[&MYSQL], ANY),
    other(&[5432], &[&POSTGRESQL], ANY),
    other(&[3389], &[], WINDOWS),
    other(&[53, 123, 161, 445], &[], ANY),
];
