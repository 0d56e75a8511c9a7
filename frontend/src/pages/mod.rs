pub mod account;
pub mod audit;
pub mod login;
pub mod not_found;
pub mod placeholder;
pub mod users;
