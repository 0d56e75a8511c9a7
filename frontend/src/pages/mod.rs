//! The pages, one per route. A page with parts of its own is a folder: the page in `mod.rs`,
//! the context it provides in `ctx.rs`, and its parts beside them, which import only `ctx.rs`.

pub mod account;
pub mod audit;
pub mod backups;
pub mod certificates;
pub mod container;
pub mod links;
pub mod login;
pub mod logs;
pub mod not_found;
pub mod services;
pub mod settings;
pub mod tasks;
pub mod terminal;
pub mod users;
