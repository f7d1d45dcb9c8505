//! Typed access to the config a module is registered with.
use crate::Error;
use eiw_proto::Value;
use prost::Message;
use std::collections::BTreeMap;

/// Named parameters from the host's `register` call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    parameters: BTreeMap<String, Value>,
}

impl Config {
    pub fn decode(bytes: &[u8]) -> Result<Config, Error> {
        let config = eiw_proto::Config::decode(bytes)?;
        Ok(Config {
            parameters: config.parameters,
        })
    }

    pub fn from_parameters(parameters: BTreeMap<String, Value>) -> Config {
        Config { parameters }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.parameters.get(name)
    }

    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn get_i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    pub fn get_f64(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(Value::as_f64)
    }

    pub fn get_bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    /// A string parameter that must be present.
    pub fn require_str(&self, name: &str) -> Result<&str, Error> {
        self.get_str(name).ok_or_else(|| {
            Error::invalid_argument(format!("config parameter `{name}` (a string) is required"))
        })
    }

    pub fn parameters(&self) -> &BTreeMap<String, Value> {
        &self.parameters
    }
}
