//! Guest instances over their life: how much address space each reserves,
//! and when the instances of other threads are released (a freed host, an
//! idle instance, `release_thread`, thread exit).
mod common;

use common::*;
use eiw::{Collect, Host, Limits, MemoryReservation};
use serde_json::json;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

/// Tests here read the process's address space, which the others' instances
/// change: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A figure of /proc/self/status, in MiB.
fn status_mib(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(name)).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

/// The process's address space, in MiB.
fn vm_size_mib() -> u64 {
    status_mib("VmSize:")
}

fn event() -> Vec<u8> {
    event_bytes(json!({"message": "hello"}))
}

fn process(host: &Host) {
    let mut out = Collect::default();
    assert_eq!(host.process(&event(), &mut out).unwrap(), 1);
}

fn host_with(pages: u32, reservation: MemoryReservation) -> Host {
    Host::new(
        &example("passthrough"),
        Limits {
            max_memory_pages: pages,
            memory_reservation: reservation,
            ..Limits::default()
        },
    )
    .unwrap()
}

/// A thread that runs what it is sent, one job at a time, and lives until
/// dropped.
struct Worker {
    jobs: Option<mpsc::Sender<Box<dyn FnOnce() + Send>>>,
    done: mpsc::Receiver<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn new() -> Worker {
        let (jobs, inbox) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let (finished, done) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for job in inbox {
                job();
                finished.send(()).unwrap();
            }
        });
        Worker {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
        }
    }

    fn run(&self, job: impl FnOnce() + Send + 'static) {
        self.jobs.as_ref().unwrap().send(Box::new(job)).unwrap();
        self.done.recv().unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.jobs.take());
        // Joined: the thread's instances are dropped with its locals.
        self.thread.take().unwrap().join().unwrap();
    }
}

#[test]
fn an_instance_reserves_its_cap_not_8_gib() {
    let _serial = serial();
    let pages = 16 * 1024; // 1 GiB
    let before = vm_size_mib();
    let bounded = host_with(pages, MemoryReservation::Cap);
    let with_bounded = vm_size_mib();
    let wasm32 = host_with(pages, MemoryReservation::Wasm32);
    let with_wasm32 = vm_size_mib();
    process(&bounded);
    process(&wasm32);
    // One instance each (on this thread): the cap and its guard, and what
    // the module and its engine take, against 8 GiB.
    let bounded_cost = with_bounded - before;
    let wasm32_cost = with_wasm32 - with_bounded;
    assert!(
        (1024..1024 + 256).contains(&bounded_cost),
        "{bounded_cost} MiB"
    );
    assert!(wasm32_cost >= 8 * 1024, "{wasm32_cost} MiB");
}

#[test]
fn a_freed_hosts_instances_go_at_each_threads_next_call_on_any_host() {
    let _serial = serial();
    let workers: Vec<Worker> = (0..4).map(|_| Worker::new()).collect();
    let other = std::sync::Arc::new(host_with(256, MemoryReservation::Cap));
    let big = std::sync::Arc::new(host_with(16 * 1024, MemoryReservation::Cap));
    for worker in &workers {
        let (big, other) = (big.clone(), other.clone());
        worker.run(move || {
            process(&big);
            process(&other);
        });
    }
    assert_eq!(big.stats().instances_live, 5);
    let with_big = vm_size_mib();
    drop(std::sync::Arc::into_inner(big).unwrap());
    // This thread's instance went with the host; the workers' are still
    // there until they call eiw again.
    let freed_here = with_big - vm_size_mib();
    assert!((1024..2048).contains(&freed_here), "{freed_here} MiB");
    for worker in &workers {
        let other = other.clone();
        worker.run(move || process(&other));
    }
    let freed_there = with_big - vm_size_mib();
    assert!(freed_there >= 5 * 1024, "{freed_there} MiB");
    assert_eq!(other.stats().instances_live, 5);
}

#[test]
fn release_thread_releases_what_the_calling_thread_holds() {
    let _serial = serial();
    let a = std::sync::Arc::new(host_with(256, MemoryReservation::Cap));
    let b = std::sync::Arc::new(host_with(256, MemoryReservation::Cap));
    let worker = Worker::new();
    let (a2, b2) = (a.clone(), b.clone());
    let (tx, rx) = mpsc::channel();
    worker.run(move || {
        process(&a2);
        process(&b2);
        tx.send(eiw::release_thread()).unwrap();
        tx.send(eiw::release_thread()).unwrap();
    });
    assert_eq!(rx.recv().unwrap(), 2);
    assert_eq!(rx.recv().unwrap(), 0);
    assert_eq!(a.stats().instances_live, 1);
    assert_eq!(b.stats().instances_live, 1);
    // The next call makes a fresh instance.
    let a3 = a.clone();
    worker.run(move || process(&a3));
    assert_eq!(a.stats().instances_live, 2);
    assert_eq!(a.stats().instances_created, 3);
}

#[test]
fn an_idle_instance_is_released_at_its_threads_next_call() {
    let _serial = serial();
    use eiw::proto::HostOptions;
    use prost::Message;
    // release_idle_at_once: instance_idle_ms is 0 (left at 0, it means a
    // minute): released at the first check after its last use.
    let options = HostOptions {
        release_idle_at_once: true,
        ..Default::default()
    };
    let idle = std::sync::Arc::new(
        Host::from_options(&example("passthrough"), &options.encode_to_vec()).unwrap(),
    );
    assert_eq!(idle.limits().instance_idle, Duration::ZERO);
    let busy = std::sync::Arc::new(host_with(256, MemoryReservation::Cap));
    let worker = Worker::new();
    let (i, b) = (idle.clone(), busy.clone());
    worker.run(move || {
        process(&i);
        process(&b);
    });
    assert_eq!(idle.stats().instances_live, 2);
    // The idle check runs at most once a second per thread.
    std::thread::sleep(Duration::from_millis(1100));
    let b = busy.clone();
    worker.run(move || process(&b));
    let stats = idle.stats();
    assert_eq!(stats.instances_live, 1, "{stats:?}");
    assert_eq!(stats.instances_released_idle, 1);
    // The busy host's default (one minute) kept its instance.
    assert_eq!(busy.stats().instances_live, 2);
    assert_eq!(busy.stats().instances_released_idle, 0);
}

#[test]
fn thread_churn_and_host_cycles_leave_no_instances_behind() {
    let _serial = serial();
    let base = std::sync::Arc::new(host_with(256, MemoryReservation::Cap));
    // 1000 short-lived threads, ten at a time.
    for _ in 0..100 {
        let threads: Vec<_> = (0..10)
            .map(|_| {
                let base = base.clone();
                std::thread::spawn(move || process(&base))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
    assert_eq!(base.stats().instances_created, 1001);
    assert_eq!(base.stats().instances_live, 1);
    // 100 hosts created and freed, each called by 4 long-lived workers.
    let workers: Vec<Worker> = (0..4).map(|_| Worker::new()).collect();
    let (mut after_first, mut rss_after_first) = (0, 0);
    for cycle in 0..100 {
        let host = std::sync::Arc::new(host_with(256, MemoryReservation::Cap));
        for worker in &workers {
            let (host, base) = (host.clone(), base.clone());
            worker.run(move || {
                process(&base);
                process(&host);
            });
        }
        assert_eq!(host.stats().instances_live, 5);
        drop(std::sync::Arc::into_inner(host).unwrap());
        if cycle == 0 {
            after_first = vm_size_mib();
            rss_after_first = status_mib("VmRSS:");
        }
    }
    for worker in &workers {
        let base = base.clone();
        worker.run(move || process(&base));
    }
    assert_eq!(base.stats().instances_live, 5);
    // Keeping them would take 100 x 4 x 16 MiB of address space.
    let growth = vm_size_mib().saturating_sub(after_first);
    assert!(growth < 1024, "{growth} MiB");
    let rss_growth = status_mib("VmRSS:").saturating_sub(rss_after_first);
    assert!(rss_growth < 128, "{rss_growth} MiB");
    drop(workers);
    assert_eq!(base.stats().instances_live, 1);
}

#[test]
fn host_options_set_the_idle_time_and_the_reservation() {
    let _serial = serial();
    use eiw::proto::HostOptions;
    use prost::Message;
    let options = HostOptions {
        instance_idle_ms: 1500,
        memory_reservation: eiw::proto::MemoryReservation::Wasm32 as i32,
        ..Default::default()
    };
    let host = Host::from_options(&example("passthrough"), &options.encode_to_vec()).unwrap();
    assert_eq!(host.limits().instance_idle, Duration::from_millis(1500));
    assert_eq!(host.limits().memory_reservation, MemoryReservation::Wasm32);
    process(&host);
    let defaults = Host::from_options(&example("passthrough"), &[]).unwrap();
    assert_eq!(defaults.limits().instance_idle, Duration::from_secs(60));
    assert_eq!(defaults.limits().memory_reservation, MemoryReservation::Cap);
    let unknown = HostOptions {
        memory_reservation: 7,
        ..Default::default()
    };
    let err = Host::from_options(&example("passthrough"), &unknown.encode_to_vec())
        .err()
        .unwrap();
    assert_eq!(err.code(), eiw::ResultCode::InvalidOptions);
    assert!(
        err.message().contains("memory_reservation 7"),
        "{}",
        err.message()
    );
}
