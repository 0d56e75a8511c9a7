//! DTOs shared by the browser, the server functions and the REST API.
//! Everything here compiles for wasm: no server-only crates.

pub mod audit;
pub mod backup;
pub mod cert;
pub mod engine;
pub mod link;
pub mod logs;
pub mod names;
pub mod notify;
pub mod role;
pub mod scale;
pub mod stack;
pub mod stats;
pub mod swarm;
pub mod token;
pub mod totp;
pub mod user;

pub use audit::{AuditEntry, AuditOutcome, AuditQuery};
pub use backup::{
    BackupDto, BackupId, BackupKind, BackupQuery, BackupRequest, BackupStarted, BackupStatus,
    BackupsView, Compression, DatabaseDto, JobDto, NewSchedule, RestoreReport, RestoreRequest,
    Retention, ScheduleDto, ScheduleKey, ScheduleSource, human_bytes,
};
pub use cert::{
    AcmeDto, CaDto, CertDto, CertId, CertJobDto, CertKind, CertSource, CertificatesView,
    ChainCheck, Challenge, KeyCheck, ManagedDto, ReloadAction, ReloadResult, ReloadTarget,
    RenewReport, RenewRequest, UploadRequest, Urgency,
};
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
pub use scale::{DbEngine, Progress, Replica, ScalePlan, ScaleReport, ScaleRequest};
pub use stack::{
    ActionReport, ContainerDto, ContainerOutcome, ContainerState, Health, InventoryState,
    NetworkDto, Outage, Overview, PortDto, ProjectDto, ServiceDto,
};
pub use stats::{ContainerStats, StatsFrame, StatsStatus};
pub use swarm::{SwarmDto, SwarmScaleReport, SwarmScaleRequest, SwarmServiceDto, SwarmTaskDto};
pub use token::{CreatedToken, NewToken, TokenDto};
pub use totp::{RecoveryCodes, SecuritySettings, TotpCode, TotpDisable, TotpSetup, normalise_code};
pub use user::{
    Credentials, Me, NewUser, PasswordChange, PasswordPolicyError, UserDto, UserPatch, Username,
    check_password,
};
