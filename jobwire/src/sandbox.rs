//! The sandbox a process puts itself in before it runs untrusted code (Linux):
//! resource limits, a landlock domain (which files it may read or write, no TCP,
//! no signals or abstract sockets outside the domain) and a seccomp filter (no
//! new processes or threads, no sockets, no debugging or reading other
//! processes, no namespaces or mounts, no shared memory, no `io_uring`). It is
//! inherited across `exec`, so the grader also uses it to confine a build.
//!
//! Each mechanism is applied on a best-effort basis: what the kernel lacks is
//! reported in [`SandboxReport::missing`], and the caller decides whether that is
//! acceptable (`grading --require-sandbox` does not accept it).

use std::collections::BTreeMap;
use std::path::PathBuf;

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use crate::SandboxReport;

/// What a confined process may still do.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Directories (and files) it may read and execute, with everything below.
    pub read: Vec<PathBuf>,
    /// Directories it may also write, create and remove in.
    pub write: Vec<PathBuf>,
    /// Address-space limit in bytes (None: unchanged).
    pub address_space: Option<u64>,
    /// Limit in bytes on each process's data (heap and private writable
    /// mappings; None: unchanged): a build's backstop between the grader's
    /// readings of its memory.
    pub data: Option<u64>,
    /// CPU-time limit in seconds (None: unchanged). The process gets SIGXCPU
    /// at this limit and SIGKILL five seconds later.
    pub cpu_seconds: Option<u64>,
    /// Largest file it may write, in bytes (None: unchanged; 0 for a job).
    pub file_size: Option<u64>,
    /// Forbid new processes and threads, and `exec`: a job runs in one thread
    /// of one process; a build must be allowed them.
    pub single_process: bool,
}

/// Confines the calling process (single-threaded: landlock and seccomp bind
/// the calling thread and what it creates afterwards) under `policy`.
pub fn confine(policy: &Policy) -> SandboxReport {
    let mut report = SandboxReport::default();
    match limits(policy) {
        Ok(()) => report.enforced.push("rlimits".into()),
        Err(e) => report.missing.push(format!("rlimits: {e}")),
    }
    match landlock(policy) {
        Ok(RulesetStatus::FullyEnforced) => report.enforced.push("landlock".into()),
        Ok(RulesetStatus::PartiallyEnforced) => report.missing.push(
            "landlock: only partly enforced (the kernel's landlock ABI is older than 6)".into(),
        ),
        Ok(RulesetStatus::NotEnforced) => report
            .missing
            .push("landlock: not supported by this kernel".into()),
        Err(e) => report.missing.push(format!("landlock: {e}")),
    }
    match seccomp(policy) {
        Ok(()) => report.enforced.push("seccomp".into()),
        Err(e) => report.missing.push(format!("seccomp: {e}")),
    }
    report
}

fn limits(policy: &Policy) -> Result<(), String> {
    use rlimit::Resource;
    let set = |what: Resource, soft: u64, hard: u64| {
        rlimit::setrlimit(what, soft, hard).map_err(|e| format!("{what:?}: {e}"))
    };
    if let Some(bytes) = policy.address_space {
        set(Resource::AS, bytes, bytes)?;
    }
    if let Some(bytes) = policy.data {
        set(Resource::DATA, bytes, bytes)?;
    }
    if let Some(secs) = policy.cpu_seconds {
        set(Resource::CPU, secs, secs.saturating_add(5))?;
    }
    if let Some(bytes) = policy.file_size {
        set(Resource::FSIZE, bytes, bytes)?;
    }
    set(Resource::CORE, 0, 0)?;
    if policy.single_process {
        set(Resource::NOFILE, 64, 64)?;
    }
    Ok(())
}

/// The newest landlock ABI this sandbox asks for; older kernels give part of it.
const LANDLOCK_ABI: ABI = ABI::V6;

fn landlock(policy: &Policy) -> Result<RulesetStatus, String> {
    let abi = LANDLOCK_ABI;
    let read = AccessFs::from_read(abi);
    let all = AccessFs::from_all(abi);
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(all)
        .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
        .and_then(|r| r.scope(Scope::from_all(abi)))
        .and_then(|r| r.create())
        .map_err(|e| e.to_string())?;
    for (paths, access) in [(&policy.read, read), (&policy.write, all)] {
        for path in paths {
            // A file takes only the rights that apply to files (asking for a
            // directory's would leave the domain "partly enforced").
            let access = if path.is_dir() {
                access
            } else {
                access & AccessFs::from_file(abi)
            };
            let fd = PathFd::new(path).map_err(|e| format!("{}: {e}", path.display()))?;
            ruleset = ruleset
                .add_rule(PathBeneath::new(fd, access))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let status = ruleset.restrict_self().map_err(|e| e.to_string())?;
    Ok(status.ruleset)
}

/// System calls a confined process may not make (they fail with EPERM).
fn denied(policy: &Policy) -> Vec<i64> {
    let mut calls = vec![
        // Looking into or controlling other processes.
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_pidfd_open,
        libc::SYS_pidfd_getfd,
        libc::SYS_process_madvise,
        libc::SYS_kcmp,
        // Namespaces, mounts, roots.
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
        // Shared memory that could outlive or escape the process.
        libc::SYS_memfd_create,
        libc::SYS_shmget,
        libc::SYS_shmat,
        libc::SYS_mq_open,
        // Kernel interfaces a job never needs.
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
    ];
    if policy.single_process {
        calls.extend([
            libc::SYS_clone,
            libc::SYS_clone3,
            libc::SYS_execve,
            libc::SYS_execveat,
            // No network of any kind.
            libc::SYS_socket,
            libc::SYS_socketpair,
        ]);
        #[cfg(target_arch = "x86_64")]
        calls.extend([libc::SYS_fork, libc::SYS_vfork]);
    }
    calls
}

fn seccomp(policy: &Policy) -> Result<(), String> {
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| e.to_string())?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = denied(policy)
        .into_iter()
        .map(|call| (call, vec![]))
        .collect();
    if policy.single_process {
        // Signals only to itself: `kill`/`tgkill` aimed at another process fail.
        let own = u64::from(std::process::id());
        let other = |arg: u8| {
            SeccompCondition::new(arg, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, own)
                .and_then(|c| SeccompRule::new(vec![c]))
                .map_err(|e| e.to_string())
        };
        rules.insert(libc::SYS_kill, vec![other(0)?]);
        rules.insert(libc::SYS_tgkill, vec![other(0)?]);
        rules.insert(libc::SYS_tkill, vec![]);
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| e.to_string())?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())?;
    seccompiler::apply_filter(&program).map_err(|e| e.to_string())
}
