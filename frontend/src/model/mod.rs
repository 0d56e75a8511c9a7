//! DTOs shared by the browser, the server functions and the REST API.
//! Everything here compiles for wasm: no server-only crates.

pub mod attention;
pub mod audit;
pub mod backup;
pub mod backup_restore;
pub mod backup_schedule;
pub mod backup_verify;
pub mod backup_view;
pub mod cert;
pub mod cert_id;
pub mod cert_reload;
pub mod cert_renew;
pub mod cert_source;
pub mod details;
pub mod engine;
pub mod link;
pub mod log_targets;
pub mod logs;
pub mod names;
pub mod notify;
pub mod passkey;
pub mod role;
pub mod scale;
pub mod services;
pub mod sign_in;
pub mod stats;
pub mod swarm;
pub mod task_defined;
pub mod task_params;
pub mod tasks;
pub mod terminal;
pub mod token;
pub mod totp;
pub mod updates;
pub mod user;

pub use audit::{AuditEntry, AuditOutcome, AuditQuery};
pub use backup::{
    BackupContent, BackupDto, BackupId, BackupKind, BackupQuery, BackupRequest, BackupStarted,
    BackupStatus, Compression, DecryptRequest, FilePart, JobDto, RestoreFrom, RestoreReport,
    RestoreRequest, human_bytes,
};
pub use backup_schedule::{NewSchedule, Retention, ScheduleDto, ScheduleKey, ScheduleSource};
pub use backup_verify::CopyDto;
pub use backup_view::{
    BackupSetDto, BackupsView, DatabaseDto, FileSourceDto, NewSetSchedule, SetRestoreReport,
    SetRestoreRequest, SetScheduleDto,
};
pub use cert::{
    AcmeDto, CaDto, CertDto, CertJobDto, CertKind, CertificatesView, ChainCheck, KeyCheck,
    ManagedDto, Urgency,
};
pub use cert_id::CertId;
pub use cert_reload::{ReloadAction, ReloadResult, ReloadTarget};
pub use cert_renew::{RenewReport, RenewRequest, UploadRequest};
pub use cert_source::{CertSource, Challenge};
pub use engine::EngineStatus;
pub use link::{LinkCheck, LinkDto, LinkSource};
pub use logs::{
    LogFrame, LogItem, LogLine, LogMarker, LogQuery, LogStream, MarkerKind, RawLogQuery,
    StreamFilter, Tail,
};
pub use names::{
    ContainerAction, ContainerRef, NameError, ProjectName, ServiceName, SwarmServiceRef,
};
pub use notify::{
    DeliveryDto, DeliveryStatus, NewWebhook, NotifyEvent, TestReport, WebhookDto, WebhookFormat,
    WebhooksView,
};
pub use role::Role;
pub use scale::{DbEngine, Progress, Replica, ScalePlan, ScaleRequest};
pub use services::{
    ActionReport, ContainerDto, ContainerOutcome, ContainerState, Health, InventoryState,
    NetworkDto, Outage, Overview, PortDto, ProjectDto, ScaleReport, ServiceDto,
};
pub use stats::{
    ContainerHistory, ContainerStats, HistoryQuery, HistoryRange, HistorySample, HistorySelector,
    HistoryStatus, RawHistoryQuery, StatsFrame, StatsHistory, StatsStatus,
};
pub use swarm::{SwarmDto, SwarmScaleReport, SwarmScaleRequest, SwarmServiceDto, SwarmTaskDto};
pub use task_defined::{DefinedTaskDto, NewDefinedTask};
pub use task_params::{ParamName, TaskName, TaskNameError};
pub use tasks::{
    CancelReport, OutputChunk, OutputStream, ParamDto, RunEvent, RunId, RunRequest, RunStarted,
    TaskDto, TaskMode, TaskProblem, TaskRunDto, TaskSource, TaskStatus, TasksView,
};
pub use token::{CreatedToken, NewToken, TokenDto};
pub use totp::{RecoveryCodes, SecuritySettings, TotpCode, TotpDisable, TotpSetup, normalise_code};
pub use updates::{
    CheckState, ImageRef, ImageUpdateDto, PullProgress, ServiceUpdate, UpdateKind, UpdateRunDto,
    UpdateStarted, UpdateStatus, short_digest,
};
pub use user::{
    Credentials, Me, NewUser, PasswordChange, PasswordPolicyError, UserDto, UserPatch, Username,
    check_password,
};
