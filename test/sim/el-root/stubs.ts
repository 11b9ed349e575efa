// The commands a simulated EL host answers with, as POSIX sh scripts: they keep the node's state
// in files under /var/lib/sim (inside the host's throwaway root) and answer, with exit codes, as
// the transcripts in docs/el-transcripts.md and docs/el-transcripts-extra.md show.
// Package-provided commands (keepalived, nginx, killall) sit in a pool until `yum`/`dnf` installs them.

export type ElFamily = 'centos6' | 'centos7' | 'rocky8' | 'rocky9';

export interface FamilyProfile {
  family: ElFamily;
  /** /etc/os-release (CentOS 6 has none) and /etc/redhat-release. */
  osRelease: string | null;
  redhatRelease: string;
  pm: 'yum' | 'dnf';
  systemd: boolean;
  keepalived: string;
  keepalivedBanner: string;
  curl: string;
  /** Packages in the repositories: name -> version-release, and the repo (epel: needs epel-release). */
  available: Record<string, { v: string; repo: 'base' | 'epel' | 'appstream' }>;
  /** Installed on the stock image. */
  installed: Record<string, string>;
  /** `dnf module list nginx`: the table, or null where the release has no nginx module (EL9.0). */
  nginxModules: string | null;
}

const el7Release = 'CentOS Linux release 7.9.2009 (Core)';

export const FAMILIES: Record<ElFamily, FamilyProfile> = {
  centos6: {
    family: 'centos6',
    osRelease: null,
    redhatRelease: 'CentOS release 6.10 (Final)',
    pm: 'yum',
    systemd: false,
    keepalived: '1.2.13',
    keepalivedBanner: 'Keepalived v1.2.13 (03/19,2015)',
    curl: '7.19.7',
    available: {
      keepalived: { v: '1.2.13-5.el6_6', repo: 'base' },
      psmisc: { v: '22.6-24.el6', repo: 'base' },
      'epel-release': { v: '6-8', repo: 'base' },
      nginx: { v: '1.10.3-1.el6', repo: 'epel' },
      'policycoreutils-python': { v: '2.0.83-30.1.el6_8', repo: 'base' },
    },
    installed: { curl: '7.19.7-54.el6_10', 'openssh-server': '5.3p1-124.el6_10' },
    nginxModules: null,
  },
  centos7: {
    family: 'centos7',
    osRelease:
      'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n',
    redhatRelease: el7Release,
    pm: 'yum',
    systemd: true,
    keepalived: '1.3.5',
    keepalivedBanner: 'Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2',
    curl: '7.29.0',
    available: {
      keepalived: { v: '1.3.5-19.el7', repo: 'base' },
      psmisc: { v: '22.20-17.el7', repo: 'base' },
      'epel-release': { v: '7-14', repo: 'base' },
      nginx: { v: '1.20.1-10.el7', repo: 'epel' },
      'policycoreutils-python': { v: '2.5-34.el7', repo: 'base' },
    },
    installed: { curl: '7.29.0-59.el7_9.1', 'openssh-server': '7.4p1-21.el7' },
    nginxModules: null,
  },
  rocky8: {
    family: 'rocky8',
    osRelease:
      'NAME="Rocky Linux"\nVERSION="8.9 (Green Obsidian)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.9"\nPRETTY_NAME="Rocky Linux 8.9 (Green Obsidian)"\n',
    redhatRelease: 'Rocky Linux release 8.9 (Green Obsidian)',
    pm: 'dnf',
    systemd: true,
    keepalived: '2.1.5',
    keepalivedBanner: 'Keepalived v2.1.5 (07/13,2020)',
    curl: '7.61.1',
    available: {
      keepalived: { v: '2.1.5-9.el8', repo: 'appstream' },
      psmisc: { v: '23.1-5.el8', repo: 'base' },
      nftables: { v: '0.9.3-26.el8', repo: 'base' },
      nginx: { v: '1.14.1-9.module+el8.4.0+542+81547229', repo: 'appstream' },
      'policycoreutils-python-utils': { v: '2.9-24.el8', repo: 'base' },
    },
    installed: { curl: '7.61.1-33.el8', 'openssh-server': '8.0p1-19.el8_8' },
    nginxModules:
      'Rocky Linux 8 - AppStream\nName   Stream    Profiles   Summary\nnginx  1.14 [d]  common [d] nginx webserver\nnginx  1.20      common [d] nginx webserver\nnginx  1.22      common [d] nginx webserver\n\nHint: [d]efault, [e]nabled, [x]disabled, [i]nstalled\n',
  },
  rocky9: {
    family: 'rocky9',
    osRelease:
      'NAME="Rocky Linux"\nVERSION="9.0 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.0"\nPRETTY_NAME="Rocky Linux 9.0 (Blue Onyx)"\n',
    redhatRelease: 'Rocky Linux release 9.0 (Blue Onyx)',
    pm: 'dnf',
    systemd: true,
    keepalived: '2.2.8',
    keepalivedBanner: 'Keepalived v2.2.8 (04/04,2023), git commit v2.2.7-154-g292b299e+',
    curl: '7.76.1',
    available: {
      keepalived: { v: '2.2.8-3.el9', repo: 'appstream' },
      psmisc: { v: '23.4-3.el9', repo: 'base' },
      nftables: { v: '1.0.4-10.el9_1', repo: 'base' },
      nginx: { v: '1.20.1-14.el9_2.1', repo: 'appstream' },
      'policycoreutils-python-utils': { v: '3.5-2.el9', repo: 'base' },
      // Conflicts with the installed curl-minimal (dnf's strict install fails the whole transaction).
      curl: { v: '7.76.1-26.el9', repo: 'base' },
    },
    installed: { 'curl-minimal': '7.76.1-26.el9', 'openssh-server': '8.7p1-34.el9' },
    nginxModules: null,
  },
};

/** Commands the host this runs on has and an EL node does not: hidden (overlay whiteouts). */
export const HIDDEN = [
  'apt-get',
  'apt',
  'dpkg',
  'dpkg-query',
  'keepalived',
  'nginx',
  'killall',
  'fuser',
  'systemctl',
  'service',
  'chkconfig',
  'firewall-cmd',
  'getenforce',
  'semanage',
  'ip',
  'curl',
  'logger',
  'systemd-detect-virt',
  'sysctl',
  'pidof',
  'sudo',
];

const sh = (body: string) => `#!/bin/sh\nS=/var/lib/sim\n${body}\n`;

/** Stubs always on the node (usr/bin or usr/sbin relative path -> script). */
export function baseStubs(p: FamilyProfile): Record<string, string> {
  const stubs: Record<string, string> = {
    'bin/rpm': sh(`
qf=; names=
while [ $# -gt 0 ]; do case $1 in -q) ;; --qf|--queryformat) qf=$2; shift ;; *) names="$names $1" ;; esac; shift; done
rc=0
for n in $names; do
  if [ -f "$S/pkgs/$n" ]; then
    vr=$(cat "$S/pkgs/$n")
    case $qf in
      '') echo "$n-$vr.x86_64" ;;
      *MODULARITYLABEL*) case $vr in *module*) echo "nginx:1.14:8040020210127:522a0ee4:x86_64" ;; *) printf '(none)' ;; esac ;;
      *) printf "$(printf %s "$qf" | sed "s/%{NAME}/$n/; s/%{VERSION}/\${vr%%-*}/; s/%{RELEASE}/\${vr#*-}/")" ;;
    esac
  else echo "package $n is not installed"; rc=1; fi
done
exit $rc`),
    // sudo 1.8 (CentOS 6/7): "Defaults requiretty" (stock before 6.8 / 7.3, kept across updates)
    // refuses a caller without a tty before anything else; "Defaults:USER !requiretty" lifts it.
    // The login user is $USER (as sshd sets it); sudoers' users are assumed NOPASSWD.
    'bin/sudo': sh(`
nonint=0
while [ $# -gt 0 ]; do case $1 in -S) shift ;; -n) nonint=1; shift ;; -p) shift 2 ;; --) shift; break ;; *) break ;; esac; done
u=\${USER:-root}
rt=0
for d in $(cat /etc/sudoers /etc/sudoers.d/* 2>/dev/null | sed -n "s/^Defaults\\(:$u\\)\\{0,1\\}[[:space:]][[:space:]]*\\(!\\{0,1\\}requiretty\\)[[:space:]]*$/\\2/p"); do
  case $d in '!requiretty') rt=0 ;; requiretty) rt=1 ;; esac
done
if [ $rt = 1 ] && [ ! -t 0 ]; then echo "sudo: sorry, you must have a tty to run sudo" >&2; exit 1; fi
[ "$u" = root ] || cat /etc/sudoers /etc/sudoers.d/* 2>/dev/null | grep -q "^$u[[:space:]]" || { echo "$u is not in the sudoers file.  This incident will be reported." >&2; exit 1; }
exec "$@"`),
    'sbin/getenforce': sh(`cat "$S/selinux" 2>/dev/null || echo Disabled`),
    'bin/logger': sh(`echo "logger $*" >> "$S/syslog"`),
    'bin/systemd-detect-virt': sh('echo none; exit 1'),
    'sbin/sysctl': sh(`
case $1 in -n) cat "$S/sysctl/$2" 2>/dev/null || { echo "sysctl: cannot stat /proc/sys/$(echo $2 | tr . /): No such file or directory" >&2; exit 255; } ;;
-w) k=\${2%%=*}; mkdir -p "$S/sysctl"; echo "\${2#*=}" > "$S/sysctl/$k"; echo "$k = \${2#*=}" ;;
-p) exit 0 ;; esac`),
    'sbin/pidof': sh(`[ -f "$S/svc/$1.running" ] && echo 4242 || exit 1`),
    'sbin/ip': sh(`
case "$*" in
  *addr\\ show*|*-o\\ addr*|*addr*) cat "$S/addrs" 2>/dev/null ;;
  *) echo "ip $*" >> "$S/ip.log" ;;
esac`),
    'bin/curl': sh(`
V=${p.curl}
if [ "$1" = -V ]; then echo "curl $V (x86_64-redhat-linux-gnu) libcurl/$V"; echo "Protocols: dict file ftp ftps gopher http https imap imaps ldap ldaps pop3 pop3s rtsp scp sftp smtp smtps telnet tftp"; exit 0; fi
for a in "$@"; do
  case $a in
    --retry-connrefused) case $V in 7.19.*|7.29.*|7.4*) echo "curl: option --retry-connrefused: is unknown" >&2; echo "curl: try 'curl --help' or 'curl --manual' for more information" >&2; exit 2 ;; esac ;;
  esac
done
case " $* " in *" -V "*) echo "curl $V"; exit 0 ;; esac
url=; for a in "$@"; do case $a in http://*|https://*|smtp://*) url=$a ;; esac; done
# -K -: the config (url = "...", header = "...") comes on stdin, as haops's notify script sends it.
prev=; for a in "$@"; do if [ "$prev" = -K ] && [ "$a" = - ]; then
  while IFS= read -r line; do case $line in 'url = "'*) url=\${line#url = \\"}; url=\${url%\\"} ;; esac; done
fi; prev=$a; done
echo "$url $*" >> "$S/curl.log"
exit 0`),
  };
  if (p.pm === 'yum') stubs['bin/yum'] = yum();
  else stubs['bin/dnf'] = dnf(p);
  Object.assign(stubs, p.systemd ? { 'bin/systemctl': systemctl() } : { 'sbin/service': service(), 'sbin/chkconfig': chkconfig() });
  return stubs;
}

/** What each package puts on the node (paths relative to /). */
export function poolStubs(p: FamilyProfile): Record<string, Record<string, string>> {
  return {
    keepalived: {
      'etc/keepalived/keepalived.conf': '! Configuration File for keepalived (the package sample)\n',
      'usr/sbin/keepalived': sh(`
# The daemon (started by the service stub): keeps its pid in /run/keepalived.pid and, on SIGUSR1,
# writes /tmp/keepalived.data as keepalived does (root-owned, one link): each vrrp_instance of the
# config with the state in $S/vrrp_state (default BACKUP) and its configured priority.
if [ "$1" = --sim-daemon ]; then
  echo $$ > /run/keepalived.pid
  dump() {
    st=$(cat "$S/vrrp_state" 2>/dev/null || echo BACKUP)
    awk -v st="$st" '$1 == "vrrp_instance" { if (i != "") print " VRRP Instance = " i "\\n   State = " st "\\n   Effective priority = " p; i = $2; p = 0 }
      $1 == "priority" && i != "" { p = $2 } END { if (i != "") print " VRRP Instance = " i "\\n   State = " st "\\n   Effective priority = " p }' /etc/keepalived/keepalived.conf > /tmp/keepalived.data.new
    mv /tmp/keepalived.data.new /tmp/keepalived.data
  }
  trap dump USR1
  while :; do sleep 1 & wait $!; done
fi
case "$*" in
  *-v*) echo "${p.keepalivedBanner}" >&2; exit 0 ;;
  *-t*) ${p.keepalived.startsWith('1.') ? 'echo "keepalived: invalid option -- \'t\'" >&2; exit 0' : 'f=$(echo "$*" | sed "s/.*-f //"); [ -r "$f" ] || { echo "Unable to open config file $f" >&2; exit 1; }; exit 0'} ;;
esac`),
    },
    nginx: {
      'etc/nginx/nginx.conf': 'include /etc/nginx/conf.d/*.conf;\n',
      'etc/nginx/conf.d/.keep': '',
      'usr/sbin/nginx': sh(`
case "$*" in
  *-t*) echo "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok" >&2; echo "nginx: configuration file /etc/nginx/nginx.conf test is successful" >&2; exit 0 ;;
  *-v*) echo "nginx version: nginx/${p.available.nginx!.v.split('-')[0]}" >&2 ;;
esac`),
    },
    'epel-release': {
      'etc/yum.repos.d/epel.repo': `[epel]\nname=Extra Packages for Enterprise Linux ${p.family === 'centos6' ? 6 : 7} - $basearch\nmetalink=https://mirrors.fedoraproject.org/metalink?repo=epel-${p.family === 'centos6' ? 6 : 7}&arch=$basearch\nenabled=1\n`,
    },
    psmisc: {
      'usr/bin/killall': sh(
        `[ "$1" = -0 ] && { [ -f "$S/svc/$2.running" ] || { echo "$2: no process found" >&2; exit 1; }; exit 0; }; rm -f "$S/svc/$2.running"`,
      ),
    },
  };
}

const yum = () =>
  sh(`
cmd=; pkgs=; only=
for a in "$@"; do case $a in --enablerepo=haops-*) only=haops ;; -y|-q|-e*|--disablerepo=*|--enablerepo=*) ;; install|repolist|remove|makecache) cmd=$a ;; *) pkgs="$pkgs $a" ;; esac; done
# EPEL 6/7 are archived: once epel-release is installed, its stock metalink fails every yum run
# that has the epel repo enabled (sim: the "epel_archived" flag). Only haops's archive repo file avoids it.
epel_dead() { [ -z "$only" ] && [ -f "$S/epel_archived" ] && [ -f "$S/pkgs/epel-release" ] && {
  echo "Error: Cannot retrieve metalink for repository: epel/x86_64. Please verify its path and try again" >&2; exit 1; }; }
# With --disablerepo='*' --enablerepo='haops-*': only the sections of haops's repo file exist.
in_repo() { [ -z "$only" ] && return 0; case $1 in epel) grep -qxF '[haops-epel]' /etc/yum.repos.d/haops-archive.repo 2>/dev/null ;; *) grep -qxF '[haops-base]' /etc/yum.repos.d/haops-archive.repo 2>/dev/null ;; esac; }
case $cmd in
  repolist) [ -f "$S/eol" ] && [ -z "$only" ] && { echo "Cannot find a valid baseurl for repo: base/7/x86_64" >&2; exit 1; }; epel_dead; exit 0 ;;
  install)
    did=0; epel_dead
    for n in $pkgs; do
      if [ -f "$S/pkgs/$n" ]; then echo "Package $n-$(cat "$S/pkgs/$n").x86_64 already installed and latest version"; continue; fi
      line=$(grep "^$n " "$S/available" 2>/dev/null)
      case $line in *" epel") { [ -f "$S/pkgs/epel-release" ] && in_repo epel; } || line= ;; *) in_repo base || line= ;; esac
      if [ -z "$line" ]; then echo "No package $n available."; continue; fi
      set -- $line; echo "$2" > "$S/pkgs/$n"; [ -d "$S/pool/$n" ] && cp -R "$S/pool/$n/." /; did=1
      [ -f "$S/unitpool/$n" ] && { cp "$S/unitpool/$n" "$S/units/$n"; [ -d /etc/init.d ] && [ ! -d /run/systemd/system ] && printf '#!/bin/sh\ncase $1 in status) ;; esac\n' > "/etc/init.d/$n"; }
      echo "Installed: $n.x86_64 0:$2"
    done
    [ $did = 1 ] || { echo "Error: Nothing to do"; exit 1; }
    echo Complete! ;;
esac`);

const dnf = (p: FamilyProfile) =>
  sh(`
cmd=; sub=; pkgs=
for a in "$@"; do case $a in -y|-q|--disablerepo=*|--enablerepo=*) ;; install|module|repolist) [ -z "$cmd" ] && cmd=$a || pkgs="$pkgs $a" ;; list|enable|reset) if [ "$cmd" = module ] && [ -z "$sub" ]; then sub=$a; else pkgs="$pkgs $a"; fi ;; *) pkgs="$pkgs $a" ;; esac; done
case $cmd in
  module)
    ${p.nginxModules === null ? 'echo "Error: No matching Modules to list" >&2; exit 1' : `[ "$sub" = list ] && cat <<'MOD'\n${p.nginxModules}MOD\nexit 0`} ;;
  install)
    # dnf is strict: one package it cannot find (or a conflict) and nothing is installed.
    for n in $pkgs; do
      [ -f "$S/pkgs/$n" ] && continue
      grep -q "^$n " "$S/available" 2>/dev/null || { echo "No match for argument: $n" >&2; echo "Error: Unable to find a match: $n" >&2; exit 1; }
      if [ "$n" = curl ] && [ -f "$S/pkgs/curl-minimal" ]; then
        echo "Error: " >&2; echo " Problem: problem with installed package curl-minimal-$(cat "$S/pkgs/curl-minimal").x86_64" >&2
        echo "  - package curl-minimal conflicts with curl provided by curl-$(grep '^curl ' "$S/available" | cut -d' ' -f2).x86_64" >&2
        echo "(try to add '--allowerasing' to command line to replace conflicting packages or '--skip-broken' to skip uninstallable packages)" >&2; exit 1
      fi
    done
    for n in $pkgs; do
      [ -f "$S/pkgs/$n" ] && continue
      set -- $(grep "^$n " "$S/available"); echo "$2" > "$S/pkgs/$n"; [ -d "$S/pool/$n" ] && cp -R "$S/pool/$n/." /
      [ -f "$S/unitpool/$n" ] && cp "$S/unitpool/$n" "$S/units/$n"
      echo "Installed: $n-$2.x86_64"
    done
    echo Complete! ;;
esac`);

const systemctl = () =>
  sh(`
unit() { echo "\${1%.service}"; }
known() { [ -f "$S/units/$(unit "$1")" ]; }
# Options (--quiet, --no-block) are not unit names.
verb=$1; shift; set -- "$verb" $(for a in "$@"; do case $a in --*) ;; *) printf '%s ' "$a" ;; esac; done)
case $1 in
  daemon-reload) exit 0 ;;
  # One line per unit, in order; exit 0 when any is enabled. A unit it cannot read ends the list.
  is-enabled) shift; rc=1; for u in "$@"; do n=$(unit "$u"); known "$n" || { echo "Failed to get unit file state for $n.service: No such file or directory" >&2; exit 1; }; if [ -f "$S/svc/$n.enabled" ]; then echo enabled; rc=0; else echo disabled; fi; done; exit $rc ;;
  status) n=$(unit "$2"); known "$n" || { echo "Unit $n.service could not be found." >&2; exit 4; }; if [ -f "$S/svc/$n.running" ]; then echo "   Active: active (exited)"; else echo "   Active: inactive (dead)"; exit 3; fi ;;
  # One line per unit, in order; exit 0 when any is active.
  is-active) shift; rc=3; for u in "$@"; do n=$(unit "$u"); if [ -f "$S/svc/$n.running" ]; then echo active; rc=0; else echo inactive; fi; done; exit $rc ;;
  enable|disable|start|stop|restart|reload|try-restart)
    a=$1; shift; for u in "$@"; do case $u in --*) continue ;; esac; n=$(unit "$u")
      known "$n" || { echo "Failed to $a $n.service: Unit not found." >&2; exit 5; }
      case $a in
        enable) : > "$S/svc/$n.enabled"; echo "Created symlink from /etc/systemd/system/multi-user.target.wants/$n.service to /usr/lib/systemd/system/$n.service." ;;
        disable) rm -f "$S/svc/$n.enabled" ;;
        stop) rm -f "$S/svc/$n.running" ;;
        start|restart|reload|try-restart) sh "$S/units/$n" start || { echo "Job for $n.service failed because the control process exited with error code. See \\"systemctl status $n.service\\" and \\"journalctl -xe\\" for details." >&2; exit 1; }; : > "$S/svc/$n.running" ;;
      esac
    done ;;
  *) echo "systemctl $*" >> "$S/systemctl.log" ;;
esac`);

const service = () =>
  sh(`
n=$1; a=$2
[ -f "$S/units/$n" ] || { echo "$n: unrecognized service" >&2; exit 1; }
case $a in
  status) if [ -f "$S/svc/$n.running" ]; then echo "$n (pid  4242) is running..."; else echo "$n is stopped"; exit 3; fi ;;
  start|restart|reload) sh "$S/units/$n" start || { echo "Starting $n: [FAILED]"; exit 1; }; : > "$S/svc/$n.running"; echo "Starting $n: [  OK  ]" ;;
  stop) rm -f "$S/svc/$n.running"; echo "Stopping $n: [  OK  ]" ;;
  save) echo "iptables: Saving firewall rules to /etc/sysconfig/iptables:[  OK  ]" ;;
esac`);

const chkconfig = () =>
  sh(`
if [ "$1" = --list ]; then n=$2; [ -f "$S/units/$n" ] || { echo "service $n supports chkconfig, but is not referenced in any runlevel (run 'chkconfig --add $n')" >&2; exit 1; }
  if [ -f "$S/svc/$n.enabled" ]; then printf '%s \\t0:off\\t1:off\\t2:on\\t3:on\\t4:on\\t5:on\\t6:off\\n' "$n"; else printf '%s \\t0:off\\t1:off\\t2:off\\t3:off\\t4:off\\t5:off\\t6:off\\n' "$n"; fi; exit 0; fi
n=$1; [ -f "$S/units/$n" ] || { echo "error reading information on service $n: No such file or directory" >&2; exit 1; }
case $2 in on) : > "$S/svc/$n.enabled" ;; off) rm -f "$S/svc/$n.enabled" ;; esac`);

/** What `start` of each service checks (run by the systemctl/service stubs); a non-zero exit is a failed start. */
export const UNIT_STARTS: Record<string, string> = {
  keepalived: `[ -r /etc/keepalived/keepalived.conf ] || { echo "keepalived: no /etc/keepalived/keepalived.conf" >&2; exit 1; }
p=$(cat /run/keepalived.pid 2>/dev/null); [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = keepalived ] || setsid /usr/sbin/keepalived --sim-daemon </dev/null >/dev/null 2>&1 &`,
  // SELinux: nginx (httpd_t) may bind only ports labelled http_port_t (stock list, or semanage port -a).
  nginx: `p=$(sed -n 's/^[[:space:]]*listen[[:space:]]*\\([0-9.:]*\\).*/\\1/p' /etc/nginx/conf.d/*.conf 2>/dev/null | head -1); p=\${p##*:}
if [ "$(cat /var/lib/sim/selinux 2>/dev/null)" = Enforcing ] && [ -n "$p" ]; then
  case " 80 81 443 488 8008 8009 8443 9000 $(cat /var/lib/sim/http_ports 2>/dev/null) " in *" $p "*) ;; *) echo "nginx: [emerg] bind() to 0.0.0.0:$p failed (13: Permission denied)" >&2; exit 1 ;; esac
fi`,
};

/** The INPUT chain of iptables-services' stock /etc/sysconfig/iptables (EL6 and EL7), as `iptables -S` prints it. */
export const STOCK_IPTABLES_INPUT = [
  '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p icmp -j ACCEPT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT',
  '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
];

export const iptablesSaveFile = (input: string[]) =>
  `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${input.join('\n')}\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n`;

/**
 * EL7 with iptables-services: `iptables` keeps the live INPUT chain in /var/lib/sim/iptables.live
 * and prints it normalised as `iptables -S` does (`-p 112 -s A` -> `-s A/32 -p vrrp`, `--dport` with
 * its implicit `-m tcp`); EL7's `service` redirects to systemctl, except `save` (legacy action).
 */
export function iptablesServiceStubs(): Record<string, string> {
  return {
    'sbin/iptables': sh(`
L=$S/iptables.live
case $1 in
  -S) echo "-P INPUT ACCEPT"; cat "$L"; exit 0 ;;
  -I|-A) op=$1; chain=$2; shift 2 ;;
  *) echo "iptables v1.4.21: unknown option \\"$1\\"" >&2; exit 2 ;;
esac
[ "$chain" = INPUT ] || { echo "iptables: No chain/target/match by that name." >&2; exit 1; }
p=; src=; dport=; j=
while [ $# -gt 0 ]; do case $1 in -p) p=$2; shift 2 ;; -s) src=$2; shift 2 ;; --dport) dport=$2; shift 2 ;; -j) j=$2; shift 2 ;; *) echo "iptables v1.4.21: unknown option \\"$1\\"" >&2; exit 2 ;; esac; done
case $p in 112) p=vrrp ;; 51) p=ah ;; 6) p=tcp ;; esac
case $src in '') ;; */*) ;; *) src=$src/32 ;; esac
line="-A INPUT\${src:+ -s $src}\${p:+ -p $p}\${dport:+ -m $p --dport $dport} -j $j"
if [ $op = -I ]; then { echo "$line"; cat "$L"; } > "$L.new"; mv "$L.new" "$L"; else echo "$line" >> "$L"; fi`),
    'sbin/service': sh(`
n=$1; a=$2
if [ "$n" = iptables ] && [ "$a" = save ]; then
  { printf '*filter\\n:INPUT ACCEPT [0:0]\\n:FORWARD ACCEPT [0:0]\\n:OUTPUT ACCEPT [0:0]\\n'; cat "$S/iptables.live"; printf -- '-A FORWARD -j REJECT --reject-with icmp-host-prohibited\\nCOMMIT\\n'; } > /etc/sysconfig/iptables
  echo "iptables: Saving firewall rules to /etc/sysconfig/iptables:[  OK  ]"; exit 0
fi
echo "Redirecting to /bin/systemctl $a $n.service" >&2
exec systemctl "$a" "$n"`),
  };
}
