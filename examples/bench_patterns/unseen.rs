//! Header shapes no dev set has: lines written here (not taken from any data set) in the layouts
//! of oslo.log, a syslog collector's archive (alert flag, epoch, date, node before the syslog
//! line), supercomputer RAS events, logcat `threadtime`, macOS syslog and a piped app log. Their
//! headers vary the way such headers do (hosts, nodes, pids, request contexts), so a header cut
//! in the wrong place splits or merges templates. Per family: the share of lines whose header is
//! cut exactly where the message starts, and GA raw against GA on the messages alone.

use std::fmt::Write as _;

use luffy::header::message_start;

use crate::accuracy::mine_in_process;
use crate::data::score;

/// Lines per family.
const LINES: usize = 600;

/// A small deterministic generator (xorshift64*), so the table is the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }

    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }

    /// `template` with each `{n}`, `{ip}`, `{uuid}`, `{hex}`, `{word}`, `{f}` filled in.
    fn fill(&mut self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let value = match &rest[open + 1..open + close] {
                "n" => self.below(5000).to_string(),
                "ip" => format!(
                    "10.{}.{}.{}",
                    self.below(255),
                    self.below(255),
                    self.below(255)
                ),
                "uuid" => self.uuid(),
                "hex" => self.hex(8),
                "word" => self
                    .pick(&["alpha", "kestrel", "orchid", "basalt", "quill", "tundra"])
                    .to_string(),
                "f" => format!("{}.{:04}", self.below(20), self.below(10_000)),
                other => format!("{{{other}}}"),
            };
            out.push_str(&value);
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn clock(&mut self) -> String {
        format!(
            "{:02}:{:02}:{:02}",
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }
}

/// One family: its name, its events (message templates) and how it writes a header for one.
struct Family {
    name: &'static str,
    events: &'static [&'static str],
    header: fn(&mut Rng, usize) -> String,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "oslo.log, file name and request context",
        events: &[
            "{ip} \"GET /v2/{hex}/servers/detail HTTP/1.1\" status: 200 len: {n} time: {f}",
            "{ip} \"DELETE /v2/{hex}/servers/{uuid} HTTP/1.1\" status: 204 len: {n} time: {f}",
            "[instance: {uuid}] VM Started (Lifecycle Event)",
            "[instance: {uuid}] Took {f} seconds to spawn the instance on the hypervisor.",
            "image {uuid} at (/var/lib/nova/instances/_base/{hex}): checking",
            "Final resource view: name=cp-{n} phys_ram={n}MB used_ram={n}MB",
            "Unable to connect to the database server, retrying in {n} seconds",
        ],
        header: |rng, event| {
            let file = rng.pick(&[
                "nova-api.log.1.2018-02-03_11:00:01 ",
                "nova-compute.log ",
                "nova-compute.log.2 ",
                "",
            ]);
            let (level, logger) = [
                ("INFO", "nova.osapi_compute.wsgi.server"),
                ("INFO", "nova.osapi_compute.wsgi.server"),
                ("INFO", "nova.compute.manager"),
                ("INFO", "nova.compute.manager"),
                ("INFO", "nova.virt.libvirt.imagecache"),
                ("INFO", "nova.compute.resource_tracker"),
                ("WARNING", "oslo_db.sqlalchemy.engines"),
            ][event];
            let context = match rng.below(3) {
                0 => format!("[req-{} {} {} - - -]", rng.uuid(), rng.hex(32), rng.hex(32)),
                1 => format!("[req-{} - - - - -]", rng.uuid()),
                _ => "[-]".to_string(),
            };
            let time = format!("2018-02-0{} {}.{:03}", 1 + rng.below(9), rng.clock(), rng.below(1000));
            let pid = rng.pick(&["2931", "25746", "4410"]);
            format!("{file}{time} {pid} {level} {logger} {context} ")
        },
    },
    Family {
        name: "syslog archive: flag, epoch, date, host first",
        events: &[
            "session opened for user root by (uid=0)",
            "session closed for user {word}",
            "Accepted publickey for {word} from {ip} port {n} ssh2",
            "synchronized to {ip}, stratum {n}",
            "connect from unknown[{ip}]",
            "eth{n}: link up, 1000Mbps, full-duplex",
            "(root) CMD (run-parts /etc/cron.hourly)",
        ],
        header: |rng, event| {
            let flag = if rng.below(10) == 0 {
                rng.pick(&["NETERR", "VAPI", "ECC"])
            } else {
                "-"
            };
            let host = format!("{}{}", rng.pick(&["dn", "an", "bn", "tadmin"]), rng.below(400));
            let day = 1 + rng.below(28);
            let epoch = 1_131_000_000 + rng.below(900_000);
            let program = [
                "crond(pam_unix)[{n}]:",
                "crond(pam_unix)[{n}]:",
                "sshd[{n}]:",
                "ntpd[{n}]:",
                "postfix/smtpd[{n}]:",
                "kernel:",
                "crond[{n}]:",
            ][event];
            let program = rng.fill(program);
            let source = if rng.below(4) == 0 {
                format!("src@{host}")
            } else {
                format!("{host}/{host}")
            };
            let clock = rng.clock();
            format!("{flag} {epoch} 2005.11.{day:02} {host} Nov {day} {clock} {source} {program} ")
        },
    },
    Family {
        name: "RAS events: flag, epoch, date, node, time, node",
        events: &[
            "{n} ddr errors(s) detected and corrected on rank 0, symbol {n}, bit {n}",
            "data storage interrupt",
            "instruction cache parity error corrected",
            "idoproxydb hit ASSERT condition: ASSERT expression={n}",
            "MidplaneSwitchController performing bit sparing on R{n}-M0-L2-U18-C bit {n}",
            "ciod: Error loading /home/{word}/run{n}: invalid or missing program image",
            "Node card VPD check: missing U{n} node, VPD ecid {hex} in processor card slot J{n}",
        ],
        header: |rng, event| {
            let flag = if rng.below(5) == 0 {
                rng.pick(&["KERNDTLB", "KERNSTOR", "APPSEV"])
            } else {
                "-"
            };
            let node = format!(
                "R{:02}-M{}-N{}-C:J{:02}-U{:02}",
                rng.below(64),
                rng.below(2),
                rng.below(16),
                rng.below(18),
                rng.below(12)
            );
            let (node, kind) = [
                (node.as_str(), "KERNEL INFO"),
                (node.as_str(), "KERNEL FATAL"),
                (node.as_str(), "KERNEL INFO"),
                ("NULL", "MMCS ERROR"),
                (node.as_str(), "LINKCARD INFO"),
                (node.as_str(), "APP FATAL"),
                (node.as_str(), "DISCOVERY WARNING"),
            ][event];
            let day = 1 + rng.below(28);
            let epoch = 1_117_000_000 + rng.below(900_000);
            let time = format!(
                "2005-06-{day:02}-{:02}.{:02}.{:02}.{:06}",
                rng.below(24),
                rng.below(60),
                rng.below(60),
                rng.below(1_000_000)
            );
            format!("{flag} {epoch} 2005.06.{day:02} {node} {time} {node} RAS {kind} ")
        },
    },
    Family {
        name: "logcat threadtime",
        events: &[
            "Start proc {n}:com.example.{word}/u0a{n} for service com.example.{word}/.SyncService",
            "acquireWakeLockInternal: lock={n}, flags=0x1, tag=\"{word}\", ws=null, uid={n}, pid={n}",
            "Unable to set property \"ro.{word}\" to \"{n}\"",
            "uid={n}({word}) {word} expire {n} lines",
            "Error writing /proc/{n}/oom_score_adj; errno=22",
            "Relayout Window[{hex} u0 com.example.{word}]: viewVisibility={n}",
        ],
        header: |rng, event| {
            let (level, tag) = [
                ("I", "ActivityManager"),
                ("D", "PowerManagerService"),
                ("W", "libc"),
                ("I", "chatty"),
                ("E", "lowmemorykiller"),
                ("V", "WindowManager"),
            ][event];
            format!(
                "{:02}-{:02} {}.{:03} {:>5} {:>5} {level} {tag:<8}: ",
                1 + rng.below(12),
                1 + rng.below(28),
                rng.clock(),
                rng.below(1000),
                rng.below(30_000),
                rng.below(30_000)
            )
        },
    },
    Family {
        name: "macOS syslog",
        events: &[
            "AppleThunderboltNHIType2::prePCIWake - power up complete - took {n} us",
            "Service exited with abnormal code: {n}",
            "Couldn't set selectedTextBackgroundColor from default ()",
            "mDNS_RegisterInterface: Frequent transitions for interface en0 ({ip})",
            "--- last message repeated {n} time ---",
            "FA||Url||taskID[{n}] dealloc",
        ],
        header: |rng, event| {
            let host = rng.pick(&["calvisitor-10-105-163-10", "Annas-MacBook-Air", "jdoe-mbp"]);
            let program = [
                "kernel[0]: ".to_string(),
                format!("com.apple.xpc.launchd[1] (com.apple.{}[{}]): ", rng.pick(&["mdworker", "quicklook", "imfoundation"]), rng.below(90_000)),
                format!("Google Chrome Helper[{}]: ", rng.below(90_000)),
                "mDNSResponder[91]: ".to_string(),
                String::new(),
                format!("QQ[{}]: ", rng.below(90_000)),
            ][event]
            .clone();
            let day = 1 + rng.below(28);
            format!("Jul {day:>2} {} {host} {program}", rng.clock())
        },
    },
    Family {
        name: "piped app log",
        events: &[
            "onStandStepChanged {n}",
            "getTodayTotalDetailSteps = {n}##{n}##{n}",
            "REPORT : {n} {n} {n} {n}",
            "calculateCaloriesWithCache totalCalories={n}",
            "upload|retry={n} queued",
            "processHandleBroadcastAction action:android.intent.action.SCREEN_ON",
        ],
        header: |rng, event| {
            let component = [
                "Step_LSC",
                "Step_SPUtils",
                "Step_StandReportReceiver",
                "Step_ExtSDM",
                "Hub_Sync",
                "Step_LSC",
            ][event];
            format!(
                "201712{:02}-{}:{:02}:{:02}:{}|{component}|{}|",
                1 + rng.below(28),
                rng.below(24),
                rng.below(60),
                rng.below(60),
                rng.below(1000),
                30_002_312 + rng.below(3)
            )
        },
    },
];

/// The table: per family, exact cuts, GA raw and GA message-only.
pub(crate) fn unseen_report() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| unseen header shape (lines written here, {LINES} each) | header cut exactly | GA raw | GA message-only |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for family in FAMILIES {
        let (mut raw, mut messages, mut truth) = (Vec::new(), Vec::new(), Vec::new());
        let mut exact = 0usize;
        for _ in 0..LINES {
            let event = rng.below(family.events.len());
            let header = (family.header)(&mut rng, event);
            let message = rng.fill(family.events[event]);
            let line = format!("{header}{message}");
            exact += usize::from(message_start(&line) == header.len());
            raw.push(line);
            messages.push(message);
            truth.push(event.to_string());
        }
        let ga_raw = score(&mine_in_process(&raw, true), &truth).ga;
        let ga_msg = score(&mine_in_process(&messages, false), &truth).ga;
        let _ = writeln!(
            out,
            "| {} | {:.1}% | {ga_raw:.3} | {ga_msg:.3} |",
            family.name,
            100.0 * exact as f64 / LINES as f64
        );
    }
    out
}
