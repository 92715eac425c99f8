//! Cursor pagination as the WorkOS list endpoints do it: `before` and `after`
//! take an object ID, `limit` is 1 to 100 (default 10), and `order` sorts by
//! creation time (`desc` by default).

use super::api_error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

/// Sort order by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest first. `order=normal` means the same.
    // NOTE: WorkOS lists `normal` beside `asc` and `desc` without defining
    // it; the emulator treats it as `asc`.
    Ascending,
    /// Newest first.
    Descending,
}

/// The query parameters of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub before: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
    pub order: Order,
}

/// One page and the cursors around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The first item's ID when items come before this page.
    pub before: Option<String>,
    /// The last item's ID when items come after this page.
    pub after: Option<String>,
}

impl PageRequest {
    /// Parses query parameters; unknown names are ignored and an empty value
    /// counts as absent. Every bad parameter is listed in the 422.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let value = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, value)| key == name && !value.is_empty())
                .map(|(_, value)| value.clone())
        };
        let mut errors = Vec::new();

        let limit = match value("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
                _ => {
                    errors.push(FieldError {
                        field: "limit".to_owned(),
                        code: "invalid_value",
                        message: format!(
                            "limit must be a whole number from 1 to {MAX_LIMIT}, not '{text}'."
                        ),
                    });
                    DEFAULT_LIMIT
                }
            },
        };
        let order = match value("order").as_deref() {
            None | Some("desc") => Order::Descending,
            Some("asc" | "normal") => Order::Ascending,
            Some(other) => {
                errors.push(FieldError {
                    field: "order".to_owned(),
                    code: "invalid_value",
                    message: format!("order must be desc, asc or normal, not '{other}'."),
                });
                Order::Descending
            }
        };
        let before = value("before");
        let after = value("after");
        if before.is_some() && after.is_some() {
            errors.push(FieldError {
                field: "before".to_owned(),
                code: "invalid_value",
                message: "Pass before or after, not both.".to_owned(),
            });
        }

        if errors.is_empty() {
            Ok(Self {
                before,
                after,
                limit,
                order,
            })
        } else {
            Err(ApiError::invalid_request(errors))
        }
    }

    /// Returns the requested page of `oldest_first`. A cursor that is not
    /// the ID of one of the items is a 422.
    pub fn page<T>(
        &self,
        mut oldest_first: Vec<T>,
        id_of: impl Fn(&T) -> &str,
    ) -> Result<Page<T>, ApiError> {
        if self.order == Order::Descending {
            oldest_first.reverse();
        }
        let ordered = oldest_first;
        let position = |field: &str, cursor: &str| {
            ordered
                .iter()
                .position(|item| id_of(item) == cursor)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        field,
                        "invalid_value",
                        format!(
                            "{field} '{cursor}' is not the ID of an object in this list. Use the {field} value from list_metadata of an earlier page."
                        ),
                    )
                })
        };
        let (start, end) = match (&self.after, &self.before) {
            (Some(cursor), _) => {
                let start = position("after", cursor)? + 1;
                (start, (start + self.limit).min(ordered.len()))
            }
            (None, Some(cursor)) => {
                let end = position("before", cursor)?;
                (end.saturating_sub(self.limit), end)
            }
            (None, None) => (0, self.limit.min(ordered.len())),
        };
        let total = ordered.len();
        let items: Vec<T> = ordered.into_iter().skip(start).take(end - start).collect();
        let before = items
            .first()
            .filter(|_| start > 0)
            .map(|item| id_of(item).to_owned());
        let after = items
            .last()
            .filter(|_| end < total)
            .map(|item| id_of(item).to_owned());
        Ok(Page {
            items,
            before,
            after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &[(&str, &str)]) -> Result<PageRequest, ApiError> {
        let pairs: Vec<(String, String)> = text
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        PageRequest::from_query(&pairs)
    }

    fn ids() -> Vec<String> {
        (1..=25).map(|n| format!("f{n:02}")).collect()
    }

    fn page(request: &PageRequest) -> Page<String> {
        request.page(ids(), |id| id.as_str()).unwrap()
    }

    #[test]
    fn defaults_are_ten_newest_first() {
        let request = query(&[]).unwrap();
        let first = page(&request);
        assert_eq!(first.items.len(), 10);
        assert_eq!(first.items[0], "f25");
        assert_eq!(first.before, None);
        assert_eq!(first.after.as_deref(), Some("f16"));
    }

    #[test]
    fn after_walks_to_the_end() {
        let mut request = query(&[("order", "asc"), ("limit", "10")]).unwrap();
        let mut seen = Vec::new();
        loop {
            let current = page(&request);
            seen.extend(current.items.clone());
            match current.after {
                Some(cursor) => request.after = Some(cursor),
                None => break,
            }
        }
        assert_eq!(seen, ids());
    }

    #[test]
    fn before_returns_the_previous_page() {
        let request = query(&[("order", "normal"), ("limit", "5"), ("before", "f11")]).unwrap();
        let previous = page(&request);
        assert_eq!(previous.items, ["f06", "f07", "f08", "f09", "f10"]);
        assert_eq!(previous.before.as_deref(), Some("f06"));
        assert_eq!(previous.after.as_deref(), Some("f10"));
    }

    #[test]
    fn bad_parameters_are_listed() {
        for (name, value) in [
            ("limit", "0"),
            ("limit", "101"),
            ("limit", "ten"),
            ("order", "up"),
        ] {
            let error = query(&[(name, value)]).unwrap_err();
            assert_eq!(error.status.as_u16(), 422, "{name}={value}");
            assert_eq!(error.body["errors"][0]["field"], name, "{name}={value}");
        }
        assert!(query(&[("before", "f01"), ("after", "f02")]).is_err());
        let unknown = query(&[("after", "f99")]).unwrap();
        assert!(unknown.page(ids(), |id| id.as_str()).is_err());
    }
}
