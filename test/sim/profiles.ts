// What each simulated system ships and prints, from docs/el-transcripts.md (and docs/el-transcripts-extra.md).

export type SimOs = 'centos6' | 'centos7' | 'rocky8' | 'rocky9';

export interface RepoPackage {
  version: string;
  release: string;
  epoch?: number;
  repo: string;
  size: string;
}

/** One nginx module stream (EL8/9): the nginx it installs and the MODULARITYLABEL rpm reports for it. */
export interface ModuleStream {
  stream: string;
  default: boolean;
  version: string;
  release: string;
  label: string;
}

export interface Profile {
  os: SimOs;
  systemd: boolean;
  packageManager: 'yum' | 'dnf';
  /** Files present on a fresh host. */
  files: Record<string, string>;
  repo: Record<string, RepoPackage>;
  /** `keepalived -v` (stderr) once keepalived is installed. */
  keepalivedV: string;
  /** `keepalived -t` exists (2.0.4+). */
  keepalivedConfigTest: boolean;
  /** nginx's module streams (EL8/9); absent: no modules (EL6/7). */
  nginxStreams?: ModuleStream[];
}

const CENTOS7_OS_RELEASE = `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"

`;

const ROCKY9_OS_RELEASE = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
`;

// Rocky 8.9's os-release [R: Rocky 9's layout with EL8 values].
const ROCKY8_OS_RELEASE = `NAME="Rocky Linux"
VERSION="8.9 (Green Obsidian)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="8.9"
PLATFORM_ID="platform:el8"
PRETTY_NAME="Rocky Linux 8.9 (Green Obsidian)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:8:GA"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2029-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-8"
ROCKY_SUPPORT_PRODUCT_VERSION="8.9"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="8.9"
`;

const KEEPALIVED_215_V = `Keepalived v2.1.5 (07/13,2020)

Copyright(C) 2001-2020 Alexandre Cassen, <acassen@gmail.com>

Built with kernel headers for Linux 4.18.0
Running on Linux 4.18.0-513.5.1.el8_9.x86_64 #1 SMP Fri Nov 17 03:31:10 UTC 2023
`;

const KEEPALIVED_135_V = `Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2

Copyright(C) 2001-2017 Alexandre Cassen, <acassen@gmail.com>

Build options:  PIPE2 LIBNL3 RTA_ENCAP RTA_EXPIRES RTA_PREF RTA_VIA FRA_OIFNAME FRA_SUPPRESS_PREFIXLEN FRA_TUN_ID RTAX_CC_ALGO RTAX_QUICKACK LIBIPTC LIBIPSET_DYNAMIC LVS LIBIPVS_NETLINK VRRP VRRP_AUTH VRRP_VMAC SOCK_NONBLOCK SOCK_CLOEXEC FIB_ROUTING INET6_ADDR_GEN_MODE SNMP_V3_FOR_V2 SNMP SNMP_KEEPALIVED SNMP_CHECKER SNMP_RFC SNMP_RFCV2 SNMP_RFCV3 SO_MARK
`;

const KEEPALIVED_228_V = `Keepalived v2.2.8 (04/04,2023)

Copyright(C) 2001-2023 Alexandre Cassen, <acassen@gmail.com>

Built with kernel headers for Linux 5.14.0
Running on Linux 5.14.0-427.13.1.el9_4.x86_64 #1 SMP PREEMPT_DYNAMIC Wed May 1 19:11:28 UTC 2024
Distro: Rocky Linux 9.3 (Blue Onyx)
`;

export const PROFILES: Record<SimOs, Profile> = {
  centos6: {
    os: 'centos6',
    systemd: false,
    packageManager: 'yum',
    files: { '/etc/redhat-release': 'CentOS release 6.10 (Final)\n', '/etc/system-release': 'CentOS release 6.10 (Final)\n' },
    repo: {
      keepalived: { version: '1.2.13', release: '5.el6_6', repo: 'updates', size: '214 k' },
      nginx: { version: '1.10.3', release: '1.el6', repo: 'epel', size: '489 k' },
      'epel-release': { version: '6', release: '8', repo: 'extras', size: '14 k' },
    },
    keepalivedV: 'Keepalived v1.2.13 (03/19,2015)\n',
    keepalivedConfigTest: false,
  },
  centos7: {
    os: 'centos7',
    systemd: true,
    packageManager: 'yum',
    files: { '/etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n', '/etc/os-release': CENTOS7_OS_RELEASE },
    repo: {
      keepalived: { version: '1.3.5', release: '19.el7', repo: 'base', size: '332 k' },
      nginx: { version: '1.20.1', release: '10.el7', epoch: 1, repo: 'epel', size: '588 k' },
      'epel-release': { version: '7', release: '14', repo: 'extras', size: '15 k' },
      'policycoreutils-python': { version: '2.5', release: '34.el7', repo: 'base', size: '457 k' },
    },
    keepalivedV: KEEPALIVED_135_V,
    keepalivedConfigTest: false,
  },
  rocky8: {
    os: 'rocky8',
    systemd: true,
    packageManager: 'dnf',
    files: { '/etc/redhat-release': 'Rocky Linux release 8.9 (Green Obsidian)\n', '/etc/os-release': ROCKY8_OS_RELEASE },
    repo: {
      keepalived: { version: '2.1.5', release: '9.el8', repo: 'appstream', size: '536 k' },
      // The default stream's build; an enabled stream installs its own (nginxStreams).
      nginx: { version: '1.14.1', release: '9.module+el8.4.0+542+81547229', epoch: 1, repo: 'appstream', size: '570 k' },
      'policycoreutils-python-utils': { version: '2.9', release: '24.el8', repo: 'baseos', size: '259 k' },
    },
    keepalivedV: KEEPALIVED_215_V,
    keepalivedConfigTest: true,
    // el-transcripts-extra.md EX-6: streams as Rocky 8.9's AppStream lists them; NVRs and labels [R].
    nginxStreams: [
      {
        stream: '1.14',
        default: true,
        version: '1.14.1',
        release: '9.module+el8.4.0+542+81547229',
        label: 'nginx:1.14:8040020210610090125:9f9e2e7e',
      },
      {
        stream: '1.16',
        default: false,
        version: '1.16.1',
        release: '2.module+el8.4.0+543+efbf198b.1',
        label: 'nginx:1.16:8040020210610090143:522a0ee4',
      },
      {
        stream: '1.18',
        default: false,
        version: '1.18.0',
        release: '3.module+el8.4.0+544+e40554cf.1',
        label: 'nginx:1.18:8040020210610090123:9edba152',
      },
      {
        stream: '1.20',
        default: false,
        version: '1.20.1',
        release: '1.module+el8.8.0+1305+9e2d6f4f',
        label: 'nginx:1.20:8080020230512094106:63b34585',
      },
      {
        stream: '1.22',
        default: false,
        version: '1.22.1',
        release: '1.module+el8.8.0+1306+8e5e4cd6',
        label: 'nginx:1.22:8080020230512094132:63b34585',
      },
      {
        stream: '1.24',
        default: false,
        version: '1.24.0',
        release: '1.module+el8.9.0+1622+8f4cc9e0',
        label: 'nginx:1.24:8090020231115083305:b41e48d3',
      },
    ],
  },
  rocky9: {
    os: 'rocky9',
    systemd: true,
    packageManager: 'dnf',
    files: { '/etc/redhat-release': 'Rocky Linux release 9.3 (Blue Onyx)\n', '/etc/os-release': ROCKY9_OS_RELEASE },
    repo: {
      keepalived: { version: '2.2.8', release: '6.el9', repo: 'appstream', size: '543 k' },
      nginx: { version: '1.20.1', release: '14.el9_2.1', epoch: 1, repo: 'appstream', size: '36 k' },
      'policycoreutils-python-utils': { version: '3.6', release: '2.1.el9', repo: 'appstream', size: '71 k' },
    },
    keepalivedV: KEEPALIVED_228_V,
    keepalivedConfigTest: true,
    // EL9's plain nginx (1.20.1, above) is no module's; 1.22 and 1.24 are opt-in streams, none default [R].
    nginxStreams: [
      {
        stream: '1.22',
        default: false,
        version: '1.22.1',
        release: '4.module+el9.2.0+1380+d6c8c2b0',
        label: 'nginx:1.22:9020020230529125425:rhel9',
      },
      {
        stream: '1.24',
        default: false,
        version: '1.24.0',
        release: '1.module+el9.4.0+1775+c8e9ec7e',
        label: 'nginx:1.24:9040020240222144117:rhel9',
      },
    ],
  },
};

/** Files a package drops on install (its default configuration). */
export const PACKAGE_FILES: Record<string, Record<string, string>> = {
  keepalived: { '/etc/keepalived/keepalived.conf': '! Configuration File for keepalived\n\nglobal_defs {\n   router_id LVS_DEVEL\n}\n' },
  nginx: { '/etc/nginx/nginx.conf': 'events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n' },
};
