//! Runbook tasks against the real engine: label tasks in exec and run mode (status, exit
//! code, output with stdout and stderr apart, no one-off left), parameters (checked, and one
//! literal argument however shell-like), who may run what (each refusal audited), timeouts,
//! one run of a task at a time, cancelling, and tasks defined by admins.

use std::time::{Duration, Instant};

use bosun_frontend::model::{
    AuditOutcome, CancelReport, DefinedTaskDto, OutputStream, RunEvent, RunStarted, TaskDto,
    TaskRunDto, TaskSource, TaskStatus,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::api::{audit, expect_json, json_get, post_json, refused, text_of, wait_listed};
use crate::dbs::docker;
use crate::harness::TestServer;
use crate::sse::Events;
use crate::stacks::{Project, unique};

/// A busybox service `app` with these task labels (YAML lines, indented for `labels:`).
pub(crate) fn app_with(labels: &str) -> String {
    format!(
        "services:\n  app:\n    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n    init: true\n    labels:\n{labels}"
    )
}

/// A project of [`app_with`], listed by bosun.
pub(crate) async fn project(
    client: &Client,
    s: &TestServer,
    prefix: &str,
    labels: &str,
) -> Project {
    let p = Project::up(&unique(prefix), &app_with(labels)).await;
    wait_listed(client, s, &p.name).await;
    p
}

pub(crate) async fn start(
    client: &Client,
    s: &TestServer,
    project: &str,
    task: &str,
    body: Value,
) -> reqwest::Response {
    post_json(
        client,
        s,
        &format!("/api/v1/projects/{project}/services/app/tasks/{task}/runs"),
        body,
    )
    .await
}

/// Starts a run and returns its id, asserting the 202.
pub(crate) async fn started(
    client: &Client,
    s: &TestServer,
    project: &str,
    task: &str,
    body: Value,
) -> i64 {
    expect_json::<RunStarted>(
        start(client, s, project, task, body).await,
        StatusCode::ACCEPTED,
    )
    .await
    .id
}

/// Waits until the run has ended.
pub(crate) async fn finished(client: &Client, s: &TestServer, id: i64, secs: u64) -> TaskRunDto {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let run: TaskRunDto = json_get(client, s, &format!("/api/v1/task-runs/{id}")).await;
        if run.status != TaskStatus::Running {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "run #{id} still running: {run:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ids of the containers with all these labels, stopped ones too.
pub(crate) fn labelled(labels: &[String]) -> Vec<String> {
    let mut args = vec!["ps".to_owned(), "-aq".to_owned()];
    for l in labels {
        args.extend(["--filter".to_owned(), format!("label={l}")]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out, err) = docker(&args);
    assert!(ok, "{err}");
    out.lines().map(str::to_owned).collect()
}

/// The project's one-off containers, found by the label bosun puts on them.
pub(crate) fn one_offs(project: &str) -> Vec<String> {
    labelled(&[
        format!("com.docker.compose.project={project}"),
        "com.docker.compose.oneoff=True".to_owned(),
        "bosun.task-run".to_owned(),
    ])
}

/// Waits until the project has a one-off container for a run.
pub(crate) async fn wait_one_off(project: &str) -> String {
    for _ in 0..100 {
        if let Some(id) = one_offs(project).into_iter().next() {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no one-off container of {project} appeared");
}

/// Every frame of a run's events until the stream ends.
async fn events_of(client: &Client, s: &TestServer, id: i64) -> Vec<RunEvent> {
    let mut events = Events::open(client, s.url(&format!("/api/v1/task-runs/{id}/events"))).await;
    let mut got = Vec::new();
    while let Some(e) = events.next::<RunEvent>(Duration::from_secs(30)).await {
        let end = matches!(&e, RunEvent::Run(r) if r.status.is_finished()) && !got.is_empty();
        got.push(e);
        if end {
            break;
        }
    }
    got
}

/// The text of one stream in a run's events.
fn stream(events: &[RunEvent], which: OutputStream) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Output(c) if c.stream == which => Some(c.text.as_str()),
            _ => None,
        })
        .collect()
}

const OUT_AND_ERR: &str = r#"
      bosun.task.good.command: '["sh", "-c", "echo out-good; echo err-good >&2; exit 0"]'
      bosun.task.bad.command: '["sh", "-c", "echo out-bad; echo err-bad >&2; exit 3"]'
      bosun.task.good-run.command: '["sh", "-c", "echo out-good-run; echo err-good-run >&2; exit 0"]'
      bosun.task.good-run.mode: run
      bosun.task.bad-run.command: sh -c "echo out-bad-run; echo err-bad-run >&2; exit 4"
      bosun.task.bad-run.mode: run
"#;

#[tokio::test]
async fn exec_and_run_tasks_end_with_their_status_exit_code_and_output_and_leave_no_one_off() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "op", "operator").await;
    let p = project(&admin, &s, "tktask", OUT_AND_ERR).await;
    let tasks: Vec<TaskDto> = json_get(&operator, &s, "/api/v1/tasks").await;
    let mine: Vec<&str> = tasks
        .iter()
        .filter(|t| t.project == p.name)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(mine, ["bad", "bad-run", "good", "good-run"]);

    for (task, mode_run, code) in [
        ("good", false, 0),
        ("bad", false, 3),
        ("good-run", true, 0),
        ("bad-run", true, 4),
    ] {
        let id = started(&operator, &s, &p.name, task, json!({})).await;
        let run = finished(&operator, &s, id, 60).await;
        let status = if code == 0 {
            TaskStatus::Succeeded
        } else {
            TaskStatus::Failed
        };
        assert_eq!(
            (run.status, run.exit_code),
            (status, Some(code)),
            "{task}: {run:?}"
        );
        assert_eq!(run.by, "op");
        assert_eq!(run.argv[0], "sh", "{run:?}");
        let container = run.container.clone().unwrap_or_default();
        if mode_run {
            assert!(container.contains("_app_run_"), "{task}: {container}");
            // `compose run --rm`: the one-off container is gone, by its label and by name.
            assert_eq!(one_offs(&p.name), Vec::<String>::new(), "{task}");
            assert!(
                !docker(&["inspect", &container]).0,
                "{container} still exists"
            );
        } else {
            assert!(container.ends_with("_app_1"), "{task}: {container}");
        }
        // stdout and stderr, told apart.
        let events = events_of(&operator, &s, id).await;
        let stem = task;
        assert!(
            stream(&events, OutputStream::Stdout).contains(&format!("out-{stem}")),
            "{events:?}"
        );
        assert!(
            stream(&events, OutputStream::Stderr).contains(&format!("err-{stem}")),
            "{events:?}"
        );
        assert!(
            !stream(&events, OutputStream::Stdout).contains("err-"),
            "{events:?}"
        );
        let text = text_of(&operator, &s, &format!("/api/v1/task-runs/{id}/output")).await;
        assert!(text.contains(&format!("out-{stem}\n")), "{text}");
        // Audited with who, the argument list, the container and the exit code.
        let records = audit(&s, &admin, "action=task.run&actor=op").await;
        let record = records
            .iter()
            .find(|r| r.target == format!("{}/app {task} #{id}", p.name))
            .unwrap_or_else(|| panic!("no audit record of run #{id}: {records:#?}"));
        let outcome = if code == 0 {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        assert_eq!(record.outcome, outcome);
        let detail = record.detail.clone().unwrap_or_default();
        assert!(
            detail.contains("\"sh\",\"-c\"")
                && detail.contains(&container)
                && detail.contains(&format!("exit code {code}")),
            "{detail}"
        );
    }
    // The history of a task, newest first.
    let history: Vec<TaskRunDto> = json_get(
        &operator,
        &s,
        &format!("/api/v1/projects/{}/services/app/tasks/good/runs", p.name),
    )
    .await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].task, "good");
}

const PARAMS: &str = r#"
      bosun.task.strict.command: '["echo", "{path}"]'
      bosun.task.strict.param.path: '^[a-z/]{1,20}$$'
      bosun.task.args.command: '["printf", "<%s>\\n", "--value={value}", "{value}"]'
      bosun.task.args.param.value: '.*'
"#;

#[tokio::test]
async fn parameters_fail_their_pattern_with_a_400_naming_them_and_reach_the_process_as_one_literal_argument()
 {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let p = project(&admin, &s, "tkparam", PARAMS).await;

    let e = refused(
        start(
            &admin,
            &s,
            &p.name,
            "strict",
            json!({"params": {"path": "a;b"}}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("params.path"), "{e:?}");
    assert!(e.message.contains("path"), "{}", e.message);
    let e = refused(
        start(&admin, &s, &p.name, "strict", json!({})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("params.path"));
    let e = refused(
        start(
            &admin,
            &s,
            &p.name,
            "strict",
            json!({"params": {"path": "ok", "other": "x"}}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("params.other"));
    assert!(
        audit(&s, &admin, "action=task.run&outcome=failed")
            .await
            .iter()
            .any(|r| r.target == format!("{}/app strict", p.name)
                && r.detail.as_deref().unwrap_or_default().contains("a;b")),
        "a refused run is audited with the values given"
    );

    let hostile = "x; rm -rf / $(id) `id` \"q\" 'a b' && echo pwned";
    let id = started(
        &admin,
        &s,
        &p.name,
        "args",
        json!({"params": {"value": hostile}}),
    )
    .await;
    let run = finished(&admin, &s, id, 30).await;
    assert_eq!(run.status, TaskStatus::Succeeded, "{run:?}");
    assert_eq!(
        run.argv,
        ["printf", "<%s>\\n", &format!("--value={hostile}"), hostile]
    );
    assert_eq!(run.params.get("value").map(String::as_str), Some(hostile));
    // Each argument comes back whole, between its own brackets: nothing was split or run.
    let text = text_of(&admin, &s, &format!("/api/v1/task-runs/{id}/output")).await;
    assert_eq!(text, format!("<--value={hostile}>\n<{hostile}>\n"));
    let detail = audit(&s, &admin, "action=task.run&outcome=ok")
        .await
        .into_iter()
        .find(|r| r.target.ends_with(&format!("args #{id}")))
        .and_then(|r| r.detail)
        .unwrap_or_default();
    assert!(
        detail.contains("rm -rf /"),
        "parameter values are audited: {detail}"
    );
}

const ROLES: &str = r#"
      bosun.task.hello.command: echo hello
      bosun.task.upgrade.command: echo upgraded
      bosun.task.upgrade.role: admin
      bosun.task.rebuild.command: echo rebuilt
      bosun.task.rebuild.confirm: "true"
"#;

#[tokio::test]
async fn viewers_run_nothing_operators_no_admin_task_confirmations_are_typed_and_every_refusal_is_audited()
 {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "op", "operator").await;
    let viewer = s.user(&admin, "vi", "viewer").await;
    let p = project(&admin, &s, "tkrole", ROLES).await;

    refused(
        start(&viewer, &s, &p.name, "hello", json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        viewer.get(s.url("/api/v1/tasks")).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let denied = audit(&s, &admin, "action=access.denied&actor=vi").await;
    assert!(
        denied.iter().any(|r| r.target
            == format!(
                "POST /api/v1/projects/{}/services/app/tasks/hello/runs",
                p.name
            )),
        "{denied:#?}"
    );

    // An operator neither sees nor runs the admin's task.
    let seen: Vec<TaskDto> = json_get(&operator, &s, "/api/v1/tasks").await;
    assert!(
        !seen
            .iter()
            .any(|t| t.name == "upgrade" && t.project == p.name)
    );
    let e = refused(
        start(&operator, &s, &p.name, "upgrade", json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(e.message.contains("admin role"), "{}", e.message);
    let records = audit(&s, &admin, "action=task.run&actor=op").await;
    assert!(
        records
            .iter()
            .any(|r| r.target == format!("{}/app upgrade", p.name)
                && r.outcome == AuditOutcome::Denied),
        "{records:#?}"
    );
    let all: Vec<TaskDto> = json_get(&admin, &s, "/api/v1/tasks").await;
    let upgrade = all
        .iter()
        .find(|t| t.name == "upgrade" && t.project == p.name);
    assert_eq!(
        upgrade.map(|t| t.role),
        Some(bosun_frontend::model::Role::Admin)
    );
    let id = started(&admin, &s, &p.name, "upgrade", json!({})).await;
    assert_eq!(
        finished(&admin, &s, id, 30).await.status,
        TaskStatus::Succeeded
    );
    // Its run is the admin's to read.
    refused(
        operator
            .get(s.url(&format!("/api/v1/task-runs/{id}")))
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;

    // A task that asks for confirmation runs only with its name typed.
    for body in [json!({}), json!({"confirm": "yes"})] {
        let e = refused(
            start(&operator, &s, &p.name, "rebuild", body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(e.field.as_deref(), Some("confirm"));
    }
    let records = audit(&s, &admin, "action=task.run&actor=op&outcome=failed").await;
    assert_eq!(
        records
            .iter()
            .filter(|r| r.target == format!("{}/app rebuild", p.name))
            .count(),
        2,
        "{records:#?}"
    );
    let id = started(
        &operator,
        &s,
        &p.name,
        "rebuild",
        json!({"confirm": "rebuild"}),
    )
    .await;
    assert_eq!(
        finished(&operator, &s, id, 30).await.status,
        TaskStatus::Succeeded
    );
}

const SLOW: &str = r#"
      bosun.task.slow.command: '["sh", "-c", "echo started; sleep 30; echo never"]'
      bosun.task.slow.mode: run
      bosun.task.slow.timeout: 2s
      bosun.task.wait.command: '["sleep", "20"]'
      bosun.task.other.command: echo other
"#;

#[tokio::test]
async fn a_task_past_its_timeout_is_timed_out_its_container_removed_and_the_failure_notified() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let p = project(&admin, &s, "tktime", SLOW).await;
    let (hook, inbox) = crate::notify::receiver().await;
    crate::notify::add(&admin, &s, "ops", &hook, "generic", &["task.failed"]).await;

    let id = started(&admin, &s, &p.name, "slow", json!({})).await;
    let container = wait_one_off(&p.name).await;
    assert!(docker(&["inspect", &container]).0);
    let run = finished(&admin, &s, id, 40).await;
    assert_eq!(run.status, TaskStatus::TimedOut, "{run:?}");
    assert!(
        run.reason
            .as_deref()
            .unwrap_or_default()
            .contains("timeout of 2s"),
        "{run:?}"
    );
    assert_eq!(one_offs(&p.name), Vec::<String>::new());
    assert!(
        !docker(&["inspect", &container]).0,
        "{container} still exists"
    );
    let text = text_of(&admin, &s, &format!("/api/v1/task-runs/{id}/output")).await;
    assert!(
        text.contains("started\n") && !text.contains("never"),
        "{text}"
    );
    let n = inbox
        .wait_for(
            bosun_frontend::model::NotifyEvent::TaskFailed,
            &format!("Run #{id} of slow on {}/app", p.name),
            20,
        )
        .await;
    assert!(n.raw.contains("timed_out"), "{n:?}");
}

#[tokio::test]
async fn one_run_of_a_task_at_a_time_other_tasks_beside_it_no_stop_meanwhile_and_a_cancel_ends_it()
{
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "op", "operator").await;
    let p = project(&admin, &s, "tkbusy", SLOW).await;

    let id = started(&operator, &s, &p.name, "wait", json!({})).await;
    let e = refused(
        start(&admin, &s, &p.name, "wait", json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        e.message.contains("op is running task wait"),
        "{}",
        e.message
    );
    // Another task of the same service runs beside it.
    let other = started(&admin, &s, &p.name, "other", json!({})).await;
    assert_eq!(
        finished(&admin, &s, other, 30).await.status,
        TaskStatus::Succeeded
    );
    // Its service is not stopped or scaled under it.
    let service = format!("/api/v1/projects/{}/services/app", p.name);
    let e = refused(
        post_json(&admin, &s, &format!("{service}/stop"), json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(e.message.contains("running task wait"), "{}", e.message);
    refused(
        post_json(
            &admin,
            &s,
            &format!("{service}/scale"),
            json!({"replicas": 2}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Cancelled: the exec's process is signalled and the run says so.
    let report: CancelReport = expect_json(
        post_json(
            &operator,
            &s,
            &format!("/api/v1/task-runs/{id}/cancel"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report.run.status, TaskStatus::Cancelled, "{report:?}");
    assert!(report.message.contains("SIGTERM"), "{}", report.message);
    let run = finished(&operator, &s, id, 5).await;
    assert!(
        run.reason
            .as_deref()
            .unwrap_or_default()
            .contains("cancelled by op"),
        "{run:?}"
    );
    // Nothing of it is left running in the container.
    let (_, ps, _) = docker(&["top", &format!("{}_app_1", p.name)]);
    assert!(!ps.contains("sleep 20"), "{ps}");
    refused(
        post_json(
            &operator,
            &s,
            &format!("/api/v1/task-runs/{id}/cancel"),
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        audit(&s, &admin, "action=task.cancel&actor=op")
            .await
            .iter()
            .any(|r| r.outcome == AuditOutcome::Ok)
    );
    // The service is free again.
    let r = post_json(&admin, &s, &format!("{service}/restart"), json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn admins_define_tasks_in_bosun_and_a_label_task_of_the_same_name_wins() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let p = project(
        &admin,
        &s,
        "tkdef",
        "      bosun.task.hello.command: echo from-label\n",
    )
    .await;
    let define = |name: &str, command: &str| json!({"project": p.name, "service": "app", "name": name, "command": command, "title": "Says hi"});
    let hidden: DefinedTaskDto = expect_json(
        post_json(
            &admin,
            &s,
            "/api/v1/tasks/defined",
            define("hello", "echo from-bosun"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(hidden.hidden_by_label);
    let own: DefinedTaskDto = expect_json(
        post_json(
            &admin,
            &s,
            "/api/v1/tasks/defined",
            define("vacuum", "echo 'vacuum done'"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(!own.hidden_by_label);
    let bad = refused(
        post_json(&admin, &s, "/api/v1/tasks/defined", json!({"project": p.name, "service": "app", "name": "x", "command": "a", "mode": "shell"})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(bad.message.contains("exec nor run"), "{}", bad.message);

    let tasks: Vec<TaskDto> = json_get(&admin, &s, "/api/v1/tasks").await;
    let mine: Vec<(&str, TaskSource, bool)> = tasks
        .iter()
        .filter(|t| t.project == p.name)
        .map(|t| (t.name.as_str(), t.source, t.hides_defined))
        .collect();
    assert_eq!(
        mine,
        [
            ("hello", TaskSource::Label, true),
            ("vacuum", TaskSource::Bosun, false)
        ]
    );
    let id = started(&admin, &s, &p.name, "hello", json!({})).await;
    finished(&admin, &s, id, 30).await;
    let text = text_of(&admin, &s, &format!("/api/v1/task-runs/{id}/output")).await;
    assert_eq!(text, "from-label\n");
    let id = started(&admin, &s, &p.name, "vacuum", json!({})).await;
    assert_eq!(finished(&admin, &s, id, 30).await.source, TaskSource::Bosun);
    let text = text_of(&admin, &s, &format!("/api/v1/task-runs/{id}/output")).await;
    assert_eq!(text, "vacuum done\n");

    let r = admin
        .delete(s.url(&format!("/api/v1/tasks/defined/{}", own.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    refused(
        start(&admin, &s, &p.name, "vacuum", json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let defined: Vec<DefinedTaskDto> = json_get(&admin, &s, "/api/v1/tasks/defined").await;
    assert_eq!(defined.len(), 1);
    for action in ["task.define", "task.undefine"] {
        assert!(
            !audit(&s, &admin, &format!("action={action}"))
                .await
                .is_empty(),
            "{action} is audited"
        );
    }
}

#[tokio::test]
async fn bosun_killed_mid_run_marks_the_run_interrupted_and_removes_its_one_off_container() {
    let data = tempfile::tempdir().unwrap();
    let s = TestServer::spawn_in(data, &["--admin-password", crate::harness::ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let p = project(
        &admin,
        &s,
        "tkkill",
        "      bosun.task.long.command: '[\"sleep\", \"300\"]'\n      bosun.task.long.mode: run\n",
    )
    .await;
    let id = started(&admin, &s, &p.name, "long", json!({})).await;
    let container = wait_one_off(&p.name).await;

    let data = s.kill().await;
    // SIGKILL ran no clean-up: the one-off container is still there.
    assert_eq!(one_offs(&p.name), vec![container.clone()]);

    let s = TestServer::spawn_in(data, &[]).await;
    let admin = s.admin().await;
    let run: TaskRunDto = json_get(&admin, &s, &format!("/api/v1/task-runs/{id}")).await;
    assert_eq!(run.status, TaskStatus::Interrupted, "{run:?}");
    assert!(
        run.reason
            .as_deref()
            .unwrap_or_default()
            .contains("bosun stopped"),
        "{run:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !one_offs(&p.name).is_empty() {
        assert!(Instant::now() < deadline, "the orphan was not removed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        audit(&s, &admin, "action=task.run&outcome=failed")
            .await
            .iter()
            .any(|r| r.target == format!("{}/app long #{id}", p.name)
                && r.detail
                    .as_deref()
                    .unwrap_or_default()
                    .contains("interrupted")),
    );
    // The task is free to run again.
    let again = started(&admin, &s, &p.name, "long", json!({})).await;
    assert!(again > id);
    let report: CancelReport = expect_json(
        post_json(
            &admin,
            &s,
            &format!("/api/v1/task-runs/{again}/cancel"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report.run.status, TaskStatus::Cancelled, "{report:?}");
    assert_eq!(one_offs(&p.name), Vec::<String>::new());
}
