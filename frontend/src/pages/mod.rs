pub mod account;
pub mod audit;
pub mod links;
pub mod login;
pub mod not_found;
pub mod placeholder;
pub mod services;
pub mod users;
