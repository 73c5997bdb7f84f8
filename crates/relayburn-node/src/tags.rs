//! Tag and enrichment maps as JS objects whose keys are data. napi's own map
//! conversion assigns each key (`obj[key] = value`), so a key `__proto__` would hit the
//! prototype setter and vanish; here each key is *defined* as an own, enumerable property,
//! like `Object.fromEntries` or `JSON.parse` would.

use napi::bindgen_prelude::{
    check_status, FromNapiValue, Result, ToNapiValue, TypeName, ValueType,
};
use napi::sys;
use std::collections::BTreeMap;

/// String keys to string values, in key order.
pub struct Tags(pub BTreeMap<String, String>);

impl TypeName for Tags {
    fn type_name() -> &'static str {
        "Record<string, string>"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Tags {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut obj = std::ptr::null_mut();
        // SAFETY: `env` is the live environment napi passed in; every value handed to
        // napi_define_properties was created in it just before.
        unsafe {
            check_status!(sys::napi_create_object(env, &mut obj))?;
            for (k, v) in val.0 {
                let desc = sys::napi_property_descriptor {
                    utf8name: std::ptr::null(),
                    name: String::to_napi_value(env, k)?,
                    method: None,
                    getter: None,
                    setter: None,
                    value: String::to_napi_value(env, v)?,
                    attributes: sys::PropertyAttributes::writable
                        | sys::PropertyAttributes::enumerable
                        | sys::PropertyAttributes::configurable,
                    data: std::ptr::null_mut(),
                };
                check_status!(sys::napi_define_properties(env, obj, 1, &desc))?;
            }
        }
        Ok(obj)
    }
}

impl FromNapiValue for Tags {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        // Own enumerable keys, `__proto__` included (napi reads them by name).
        // SAFETY: forwarded as napi gave them.
        unsafe { BTreeMap::from_napi_value(env, value).map(Tags) }
    }
}
