//! The control commands' command line: the same `clap` definitions serve the process's own
//! arguments and each line of `ipsecctl batch`.

use clap::{Args, Subcommand, ValueEnum};

/// `in` or `out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dir {
    /// Inbound.
    In,
    /// Outbound.
    Out,
}

/// A policy's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionArg {
    /// Protect with IPsec (`NPF_IPSEC_POLICY_ACTION_IPSEC`).
    Protect,
    /// Let through in the clear.
    Bypass,
    /// Drop.
    Discard,
}

/// An SPD, policy or SA on the command line: its handle (`65537`), or `@ID`, the one whose
/// caller ID is ID (looked up with `NPF_IPSecQuery_SPDHandle`, `_PolicyHandle`, `_SAHandle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// A handle.
    Handle(u32),
    /// A caller ID.
    Id(u32),
}

impl std::str::FromStr for Ref {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let number = |t: &str| {
            t.parse::<u32>()
                .map_err(|_| format!("{s:?} is neither a handle nor @ID"))
        };
        match s.strip_prefix('@') {
            Some(id) => number(id).map(Self::Id),
            None => number(s).map(Self::Handle),
        }
    }
}

/// The options every control command takes (before or after its operation).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Common {
    /// Print the result as JSON (one document per line) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Talk to the driver's control device (Windows only; elsewhere refused).
    #[arg(long, global = true)]
    pub device: bool,
}

/// One control command.
#[derive(Debug, Clone, Subcommand)]
pub enum ControlCommand {
    /// Security policy databases: create, destroy, bind, unbind, flush, list.
    Spd {
        /// `--json`, `--device`.
        #[command(flatten)]
        common: Common,
        /// The operation.
        #[command(subcommand)]
        op: SpdOp,
    },
    /// Policies: add, del, list, show.
    Policy {
        /// `--json`, `--device`.
        #[command(flatten)]
        common: Common,
        /// The operation.
        #[command(subcommand)]
        op: PolicyOp,
    },
    /// SA bundles (in `ip xfrm state` syntax): add, del, list, show.
    Sa {
        /// `--json`, `--device`.
        #[command(flatten)]
        common: Common,
        /// The operation.
        #[command(subcommand)]
        op: SaOp,
    },
    /// Statistics per SA, per policy, or global.
    Stats {
        /// `--json`, `--device`.
        #[command(flatten)]
        common: Common,
        /// The operation.
        #[command(subcommand)]
        op: StatsOp,
    },
    /// Print the control plane's events as they arrive.
    Monitor(MonitorArgs),
}

impl ControlCommand {
    /// Its `--json` and `--device`.
    pub fn common(&self) -> Common {
        match self {
            Self::Spd { common, .. }
            | Self::Policy { common, .. }
            | Self::Sa { common, .. }
            | Self::Stats { common, .. } => *common,
            Self::Monitor(m) => m.common,
        }
    }
}

/// `spd …`.
#[derive(Debug, Clone, Subcommand)]
pub enum SpdOp {
    /// Create an SPD (no --if: all interfaces, for life); prints its handle.
    Create {
        /// Direction.
        #[arg(long = "dir", value_enum)]
        dir: Dir,
        /// The caller's SPD ID.
        #[arg(long)]
        id: u32,
        /// Interface index; repeatable.
        #[arg(long = "if", value_name = "IFINDEX")]
        ifs: Vec<u32>,
    },
    /// Destroy SPDs and their policies (no HANDLE: every SPD).
    Destroy {
        /// SPDs (handles or @ID).
        handles: Vec<Ref>,
    },
    /// Bind an SPD to more interfaces (no --if: all).
    Bind {
        /// SPD (handle or @ID).
        handle: Ref,
        /// Interface index; repeatable.
        #[arg(long = "if", value_name = "IFINDEX")]
        ifs: Vec<u32>,
    },
    /// Unbind interfaces from an SPD.
    Unbind {
        /// SPD (handle or @ID).
        handle: Ref,
        /// Interface index; repeatable.
        #[arg(long = "if", value_name = "IFINDEX", required = true)]
        ifs: Vec<u32>,
    },
    /// Remove the policies bound to SPDs (no HANDLE: every SPD).
    Flush {
        /// SPDs (handles or @ID).
        handles: Vec<Ref>,
    },
    /// List the SPDs with their bindings.
    List,
}

/// `policy …`.
#[derive(Debug, Clone, Subcommand)]
pub enum PolicyOp {
    /// Add a policy; prints its handle.
    Add {
        /// The caller's policy ID.
        #[arg(long)]
        id: u32,
        /// Action.
        #[arg(long, value_enum)]
        action: ActionArg,
        /// Direction.
        #[arg(long = "dir", value_enum)]
        dir: Dir,
        /// `HANDLE[:PRIORITY]` of an SPD (priority 0 when left out); repeatable; none: all SPDs
        /// of the direction.
        #[arg(long = "spd", value_name = "HANDLE[:PRIO]")]
        spds: Vec<String>,
        /// A selector (`src PREFIX|LOW-HIGH dst … [proto P] [sport N[-M]] [dport N[-M]]
        /// [rule or|and|not]`), one quoted string; repeatable (OR of them).
        #[arg(long = "sel", value_name = "SELECTOR", required = true)]
        selectors: Vec<String>,
    },
    /// Bind a policy to more SPDs (no --spd: all SPDs of its direction).
    Bind {
        /// Policy (handle or @ID).
        handle: Ref,
        /// `SPD[:PRIORITY]`; repeatable.
        #[arg(long = "spd", value_name = "SPD[:PRIO]")]
        spds: Vec<String>,
    },
    /// Unbind a policy from SPDs.
    Unbind {
        /// Policy (handle or @ID).
        handle: Ref,
        /// SPD (handle or @ID); repeatable.
        #[arg(long = "spd", value_name = "SPD", required = true)]
        spds: Vec<Ref>,
    },
    /// Change a policy's priority in one SPD.
    Priority {
        /// Policy (handle or @ID).
        handle: Ref,
        /// SPD (handle or @ID).
        #[arg(long = "spd", value_name = "SPD")]
        spd: Ref,
        /// The new priority.
        priority: u32,
    },
    /// Delete a policy (its SAs are purged).
    Del {
        /// Policy (handle or @ID).
        handle: Ref,
    },
    /// List the policies of an SPD.
    List {
        /// SPD (handle or @ID).
        spd: Ref,
    },
    /// Show a policy: action, selectors, the SPDs it is bound to.
    Show {
        /// Policy (handle or @ID).
        handle: Ref,
    },
}

/// `sa …`.
#[derive(Debug, Clone, Subcommand)]
pub enum SaOp {
    /// Add an SA bundle under a policy; prints its handle. SPEC is as for `ip xfrm state add`
    /// (one quoted string; repeat for an ESP+AH bundle, outermost last).
    Add {
        /// Policy (handle or @ID).
        #[arg(long)]
        policy: Ref,
        /// The caller's SA ID.
        #[arg(long)]
        id: u32,
        /// Direction (else the SPEC's `dir`, else out).
        #[arg(long = "dir", value_enum)]
        dir: Option<Dir>,
        /// The SA this one replaces (rekey): handle or @ID within the policy.
        #[arg(long)]
        previous: Option<Ref>,
        /// SA specification(s).
        #[arg(required = true, allow_hyphen_values = true)]
        spec: Vec<String>,
    },
    /// Remove an SA bundle.
    Del {
        /// Policy (handle or @ID).
        #[arg(long)]
        policy: Ref,
        /// SA (handle, or @ID within the policy).
        handle: Ref,
    },
    /// List the SAs of an SPD.
    List {
        /// SPD (handle or @ID).
        spd: Ref,
    },
    /// Show an SA bundle (keys left out).
    Show {
        /// The policy, to find an SA given as @ID.
        #[arg(long)]
        policy: Option<Ref>,
        /// SA (handle, or @ID within the policy).
        handle: Ref,
    },
}

/// `stats …`.
#[derive(Debug, Clone, Subcommand)]
pub enum StatsOp {
    /// Statistics of an SA bundle (one entry per SA).
    Sa {
        /// Policy (handle or @ID).
        #[arg(long)]
        policy: Ref,
        /// SA (handle, or @ID within the policy).
        handle: Ref,
        /// Reset the counters after reading.
        #[arg(long)]
        reset: bool,
    },
    /// Statistics of a policy.
    Policy {
        /// Policy (handle or @ID).
        handle: Ref,
        /// Reset the counters after reading.
        #[arg(long)]
        reset: bool,
    },
    /// The global totals (active SAs, packets and bytes in and out, every drop reason).
    Global,
}

/// `monitor`.
#[derive(Debug, Clone, Args)]
pub struct MonitorArgs {
    /// `--json`, `--device`.
    #[command(flatten)]
    pub common: Common,
    /// Keep waiting for events (until interrupted) instead of printing those waiting.
    #[arg(long)]
    pub follow: bool,
}
