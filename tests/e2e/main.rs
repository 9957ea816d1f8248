//! End-to-end tests: the built `wangge` binary, driven as a user drives it.

mod audit;
mod chiefs;
mod cli;
mod faults;
mod partners;
mod plans;
mod postgis;
mod problems;
mod raw_http;
mod serve;
mod users;
mod visits;
