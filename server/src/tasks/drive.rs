//! A run's command itself: started in the service's container (exec) or in a one-off copy of
//! it (run), its output read into the run as it comes, stopped when cancelled or when its
//! timeout passes (SIGTERM, SIGKILL after a grace period), its exit code read, and its
//! one-off container removed whatever happened.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bosun_frontend::model::{OutputStream, TaskMode};
use futures::StreamExt;
use tokio::time::Instant;

use super::catalog::Found;
use super::output::{LiveRun, Stop};
use super::text::Decoder;
use super::{RUN_LABEL, TasksService};
use crate::docker::exec::{self, Command, Exit, Options, Signal, Signalled};
use crate::docker::oneoff::{self, OneOff, OneOffSpec};
use crate::docker::output::{Frame, Frames};
use crate::docker::record::Record;
use crate::docker::template::Template;
use crate::store::tasks::RunRow;

/// How long a stopped command has to end before it is killed.
const GRACE: Duration = Duration::from_secs(10);
/// How long bosun waits for output to end after killing, before it gives up following.
const GIVE_UP: Duration = Duration::from_secs(15);
/// Output reaches the store at least this often while a run goes on.
const STORE_EVERY: Duration = Duration::from_secs(1);

/// A run that passed every check: what runs, and where.
pub(super) struct Plan {
    pub found: Found,
    pub argv: Vec<String>,
    pub params: BTreeMap<String, String>,
    /// exec: the container it runs in; run: the container the one-off is copied from.
    pub container: Arc<Record>,
}

/// How the command ended, as far as bosun could tell.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub exit_code: Option<i64>,
    pub stopped: Option<Stop>,
    /// The engine failed the run: it did not start, its output broke off, …
    pub error: Option<String>,
    /// More to say (a one-off container that could not be removed).
    pub notes: Vec<String>,
}

/// The process a run follows.
enum Proc {
    Exec { exit: Exit, argv: Vec<String> },
    OneOff(OneOff),
}

impl Proc {
    /// Asks it to end (`kill`: makes it end); says what bosun did.
    async fn terminate(&self, kill: bool) -> Result<String, String> {
        match self {
            Proc::Exec { exit, argv } => {
                let signal = if kill { Signal::Kill } else { Signal::Term };
                Ok(match exit.signal(argv, signal).await? {
                    Signalled::Sent if kill => "bosun sent SIGKILL to the command".to_owned(),
                    Signalled::Sent => "bosun sent SIGTERM to the command".to_owned(),
                    Signalled::AlreadyEnded => "the command had already ended".to_owned(),
                })
            }
            Proc::OneOff(one) => {
                let (one, grace) = (one.clone(), if kill { Duration::ZERO } else { GRACE });
                let name = one.name.clone();
                // The engine's stop waits for the container: output goes on being read meanwhile.
                tokio::spawn(async move {
                    if let Err(e) = one.stop(grace).await {
                        tracing::warn!(container = %one.name, error = %e, "could not stop a task's one-off container");
                    }
                });
                Ok(if kill {
                    format!("bosun killed the one-off container {name}")
                } else {
                    format!(
                        "bosun stopped the one-off container {name} (SIGTERM, SIGKILL after {} s)",
                        GRACE.as_secs()
                    )
                })
            }
        }
    }
}

/// What following the output found.
#[derive(Default)]
struct Followed {
    stopped: Option<Stop>,
    broke: Option<String>,
    /// bosun could not stop the command and stopped following it.
    unreachable: Option<String>,
}

impl TasksService {
    pub(super) async fn drive(&self, row: &RunRow, plan: &Plan, live: &LiveRun) -> Outcome {
        let deadline = row
            .started_at
            .saturating_add(i64::try_from(plan.found.spec.timeout.as_millis()).unwrap_or(i64::MAX));
        match plan.found.spec.mode {
            TaskMode::Exec => self.exec(plan, live, deadline).await,
            TaskMode::Run => self.one_off(row, plan, live, deadline).await,
        }
    }

    async fn exec(&self, plan: &Plan, live: &LiveRun, deadline: i64) -> Outcome {
        let spec = &plan.found.spec;
        let attached = exec::attach_with(
            &self.inner.engine,
            &plan.container.id,
            Command {
                argv: plan.argv.clone(),
                env: Vec::new(),
                stdin: false,
            },
            Options {
                user: spec.user.clone(),
                workdir: spec.workdir.clone(),
            },
        )
        .await;
        let attached = match attached {
            Ok(a) => a,
            Err(e) => {
                return Outcome {
                    error: Some(format!("{} could not run it: {e}", plan.container.name)),
                    ..Outcome::default()
                };
            }
        };
        drop(attached.input);
        let proc = Proc::Exec {
            exit: attached.exit,
            argv: plan.argv.clone(),
        };
        let followed = self.follow(&proc, attached.output, live, deadline).await;
        let mut outcome = Outcome {
            stopped: followed.stopped,
            error: followed.broke,
            ..Outcome::default()
        };
        if let Some(why) = followed.unreachable {
            outcome.notes.push(format!(
                "{why}; it may still run in {}",
                plan.container.name
            ));
            return outcome;
        }
        if let Proc::Exec { exit, .. } = &proc {
            match exit.code().await {
                Ok(code) => outcome.exit_code = Some(code),
                Err(e) => outcome.error = outcome.error.or(Some(e)),
            }
        }
        outcome
    }

    async fn one_off(&self, row: &RunRow, plan: &Plan, live: &LiveRun, deadline: i64) -> Outcome {
        let engine = &self.inner.engine;
        let f = &plan.found;
        let template = match Template::read(engine, &plan.container.id).await {
            Ok(t) => t,
            Err(e) => {
                return Outcome {
                    error: Some(format!(
                        "could not read {} to copy it: {e}",
                        plan.container.name
                    )),
                    ..Outcome::default()
                };
            }
        };
        let blueprint = template
            .blueprint(engine, f.project.as_str(), f.service.as_str())
            .await;
        let spec = OneOffSpec {
            argv: plan.argv.clone(),
            user: f.spec.user.clone(),
            workdir: f.spec.workdir.clone(),
            labels: vec![(RUN_LABEL.to_owned(), row.token.clone())],
        };
        let (one, output) = match oneoff::launch(engine, &blueprint, spec).await {
            Ok(started) => started,
            Err(e) => {
                return Outcome {
                    error: Some(format!("the one-off container did not start: {e}")),
                    ..Outcome::default()
                };
            }
        };
        if let Err(e) = self.inner.store.set_run_container(row.id, &one.name).await {
            tracing::error!(error = %e, id = row.id, "could not record a task run's container");
        }
        let proc = Proc::OneOff(one.clone());
        let followed = self.follow(&proc, output, live, deadline).await;
        let mut outcome = Outcome {
            stopped: followed.stopped,
            error: followed.broke,
            ..Outcome::default()
        };
        if followed.unreachable.is_none() {
            match tokio::time::timeout(GRACE + GIVE_UP, one.wait()).await {
                Ok(Ok(code)) => outcome.exit_code = Some(code),
                Ok(Err(e)) => outcome.error = outcome.error.or(Some(e)),
                Err(_) => outcome
                    .notes
                    .push("it did not end in time and was removed".into()),
            }
        }
        // `compose run --rm`: gone afterwards, whatever happened.
        if let Err(e) = one.remove().await {
            outcome.notes.push(format!(
                "removing the one-off container {} failed ({e}); remove it by hand",
                one.name
            ));
        }
        outcome
    }

    /// Reads the output into the run until it ends; stops the command when asked or when
    /// the clock passes `deadline_ms`.
    async fn follow(
        &self,
        proc: &Proc,
        mut output: Frames,
        live: &LiveRun,
        deadline_ms: i64,
    ) -> Followed {
        let mut decoders = (Decoder::default(), Decoder::default());
        let mut stops = live.stop_requests();
        let clock = self.inner.clock.clone();
        let timer = clock.sleep_until(deadline_ms);
        tokio::pin!(timer);
        let mut timer_done = false;
        let mut store = tokio::time::interval(STORE_EVERY);
        let mut followed = Followed::default();
        let mut kill_at: Option<Instant> = None;
        let mut give_up_at: Option<Instant> = None;
        // A stop asked for before the command started counts at once.
        let mut asked: Option<Stop> = stops.borrow_and_update().clone();
        loop {
            if let Some(why) = asked.take()
                && followed.stopped.is_none()
            {
                followed.stopped = Some(why);
                match proc.terminate(false).await {
                    Ok(note) => {
                        live.set_stop_note(note.clone());
                        live.note(note);
                        kill_at = Some(Instant::now() + GRACE);
                    }
                    Err(e) => {
                        let note = format!("bosun could not stop the command: {e}");
                        live.set_stop_note(note.clone());
                        live.note(note);
                        followed.unreachable = Some("bosun stopped following it".into());
                        break;
                    }
                }
            }
            let kill = async {
                match kill_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let give_up = async {
                match give_up_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                frame = output.next() => match frame {
                    Some(Ok(Frame::Stdout(b))) => live.push(OutputStream::Stdout, decoders.0.push(&b)),
                    Some(Ok(Frame::Stderr(b))) => live.push(OutputStream::Stderr, decoders.1.push(&b)),
                    Some(Err(e)) => {
                        followed.broke = Some(format!("its output broke off: {}", e.message()));
                        break;
                    }
                    None => break,
                },
                () = &mut timer, if !timer_done => {
                    timer_done = true;
                    live.request_stop(Stop::TimedOut);
                    asked = stops.borrow_and_update().clone();
                }
                changed = stops.changed(), if followed.stopped.is_none() => {
                    if changed.is_ok() {
                        asked = stops.borrow_and_update().clone();
                    }
                }
                () = kill => {
                    kill_at = None;
                    give_up_at = Some(Instant::now() + GIVE_UP);
                    match proc.terminate(true).await {
                        Ok(note) => live.note(note),
                        Err(e) => live.note(e),
                    }
                }
                () = give_up => {
                    followed.unreachable = Some("the command did not end even after SIGKILL, so bosun stopped following it".into());
                    break;
                }
                _ = store.tick() => self.store_output(live).await,
            }
        }
        live.push(OutputStream::Stdout, decoders.0.finish());
        live.push(OutputStream::Stderr, decoders.1.finish());
        followed
    }
}
