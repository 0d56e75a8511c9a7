//! A run as a stream of its states: as it stands, then after every step (and every pull
//! progress), ending with the state it ended in.

use bosun_frontend::model::UpdateRunDto;
use futures::Stream;
use tokio::sync::watch;

struct Following {
    next: Option<UpdateRunDto>,
    rx: Option<watch::Receiver<UpdateRunDto>>,
    done: bool,
}

/// `first`, then while the run goes on (`rx`), each new state until a finished one.
pub fn stream(
    first: UpdateRunDto,
    rx: Option<watch::Receiver<UpdateRunDto>>,
) -> impl Stream<Item = UpdateRunDto> + Send + use<> {
    let state = Following {
        next: Some(first),
        rx,
        done: false,
    };
    futures::stream::unfold(state, |mut s| async move {
        if let Some(run) = s.next.take() {
            s.done = run.finished() || s.rx.is_none();
            return Some((run, s));
        }
        if s.done {
            return None;
        }
        let rx = s.rx.as_mut()?;
        if rx.changed().await.is_err() {
            // The run ended and left: its last state was sent before it went.
            return None;
        }
        let run = rx.borrow_and_update().clone();
        s.done = run.finished();
        Some((run, s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::{ImageRef, UpdateKind, UpdateStatus};
    use futures::StreamExt;

    fn run(status: UpdateStatus, steps: &[&str]) -> UpdateRunDto {
        UpdateRunDto {
            id: 1,
            project: "p".into(),
            service: "web".into(),
            kind: UpdateKind::Update,
            image: "demo:stable".into(),
            status,
            from: ImageRef::default(),
            to: None,
            steps: steps.iter().map(|s| (*s).to_owned()).collect(),
            pull: None,
            reason: None,
            logs: None,
            downtime_ms: None,
            started_at: String::new(),
            finished_at: None,
            by: "ann".into(),
        }
    }

    #[tokio::test]
    async fn a_follower_sees_every_step_and_the_end() {
        let (tx, rx) = watch::channel(run(UpdateStatus::Running, &[]));
        let mut events = Box::pin(stream(run(UpdateStatus::Running, &[]), Some(rx)));
        assert_eq!(events.next().await.map(|r| r.steps.len()), Some(0));
        tx.send_replace(run(UpdateStatus::Running, &["pulling"]));
        assert_eq!(
            events.next().await.map(|r| r.steps),
            Some(vec!["pulling".to_owned()])
        );
        tx.send_replace(run(UpdateStatus::Succeeded, &["pulling", "done"]));
        assert_eq!(
            events.next().await.map(|r| r.status),
            Some(UpdateStatus::Succeeded)
        );
        assert_eq!(events.next().await, None);
    }

    #[tokio::test]
    async fn a_finished_run_is_one_event() {
        let mut events = Box::pin(stream(run(UpdateStatus::RolledBack, &["x"]), None));
        assert_eq!(
            events.next().await.map(|r| r.status),
            Some(UpdateStatus::RolledBack)
        );
        assert_eq!(events.next().await, None);
    }
}
