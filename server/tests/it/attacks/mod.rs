//! The attacks of the second security review (issue "Security, second round"), one table:
//! each row is an attack and the test that runs it against a real bosun, a real engine and real
//! files. `cargo test --test it -- attacks::` runs them all. (Issue 21's numbering.)
//!
//! | # | Attack | Test |
//! |---|---|---|
//! | 1 | Planted symlinks and held-open temp files in a watched certificate directory redirect or read a renewal's writes | `cert_files_attacks::a_writable_certificate_directory_cannot_redirect_or_read_bosuns_writes` |
//! | 2 | A `bosun.cert.dir` label with `..` (or a link) leads reads and writes out of its mount | `cert_label_attacks::labels_cannot_lead_bosun_out_of_a_mount_or_to_names_nobody_confirmed` |
//! | 13 | A label makes the internal CA issue names nobody confirmed | `cert_label_attacks::labels_cannot_lead_bosun_out_of_a_mount_or_to_names_nobody_confirmed`, `cert_label_attacks::a_ca_made_with_allowed_names_issues_those_freely_and_refuses_the_rest` |
//! | 3 | A stranger locks an account out by failing its password from another address | `throttle::a_lockout_attempt_from_another_address_does_not_stop_the_real_admin` |
//! | 4 | An API token outlives a password change, sign-out everywhere, a reset, disabling | `token_lifetime::tokens_end_with_every_remediation_of_their_owner` |
//! | 4 | A token skips a two-factor requirement, or keeps a demoted user's role | `token_lifetime::a_demotion_caps_a_token_and_a_two_factor_requirement_holds_for_tokens` |
//! | 5 | An operator wipes backup history with quick "Back up now" clicks | `backup_retention::manual_backups_never_prune_and_scheduled_runs_prune_only_their_own` |
//! | 5 | Unscheduled backups pile up for ever, or the last one is expired | `backup_retention::unscheduled_backups_leave_after_their_age_limit_but_never_the_newest` |
//! | 6 | A `../` compose project label makes a backup file name outside the backup directory | `backup_names::a_project_label_with_dot_dot_is_never_used_for_a_file_name` |
//! | 7 | Secrets at rest readable by other local users (an existing data dir, loosened modes) | `hardening::secrets_at_rest_are_private_even_in_a_data_dir_that_existed` |
//! | 8 | A viewer makes bosun probe an address of their choosing with the Host header | `link_probe::a_host_header_does_not_choose_what_bosun_probes` |
//! | 9 | A typed user name pings a chat channel or plants a link in Slack/Discord | `notify_chat::a_user_name_with_chat_markup_reaches_slack_and_discord_escaped` |
//! | 10 | A viewer pulls whole logs, unaudited | `logs_cap::a_whole_log_is_an_operators_read_and_audited` |
//! | 11 | One sign-in opens streams without bound | `hardening::a_sign_in_holds_at_most_sixteen_live_views` |
//! | 11 | A dump or restore runs (and holds locks) without end | `backup_limits::a_dump_past_the_timeout_is_ended_in_the_container_and_fails_cleanly`, `backup_limits::a_restore_past_the_timeout_is_ended_and_rolled_back` (in `tests/it/backup_limits.rs`) |
//! | 11 | A dump fills the disk that holds bosun's data | `backup_limits::a_dump_that_would_fill_the_data_dirs_disk_is_stopped_while_the_minimum_is_free` |
//! | 12 | Missing headers: inline script injection, framing, sniffing, HTTP downgrade | `hardening::pages_carry_a_nonce_csp_and_every_response_the_hardening_headers` (and `end2end/tests/csp.spec.ts`: hydration under the CSP) |

mod backup_names;
mod backup_retention;
mod cert_files_attacks;
mod cert_label_attacks;
mod hardening;
mod link_probe;
mod logs_cap;
mod notify_chat;
mod throttle;
mod token_lifetime;
