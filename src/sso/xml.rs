//! Just enough XML for STS's Query-protocol replies: the text of each leaf element, found by its
//! path of local names (`AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId`), entities
//! decoded. Written by hand because the replies are a few flat fields; a DOCTYPE (the door to
//! entity expansion) is refused, and depth and size are bounded.

/// Deeper than any AWS reply.
const MAX_DEPTH: usize = 32;
/// The HTTP layer caps bodies at 1 MiB; this guards direct callers too.
const MAX_LEN: usize = 1 << 20;

/// Each leaf element (no child elements) in document order: its path of local names (namespace
/// prefixes dropped) joined by `/`, and its text.
pub fn leaves(doc: &str) -> Result<Vec<(String, String)>, String> {
    if doc.len() > MAX_LEN {
        return Err("the reply is too large".into());
    }
    let mut out = Vec::new();
    // Open elements: local name, and whether a child element was seen.
    let mut stack: Vec<(&str, bool)> = Vec::new();
    let mut text = String::new();
    let mut rest = doc;
    loop {
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() && !stack.is_empty() {
                return Err("the document ends inside an element".into());
            }
            break;
        };
        text.push_str(&decode(&rest[..lt])?);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<?") {
            rest = skip_past(after, "?>")?;
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = skip_past(after, "-->")?;
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").ok_or("an unterminated CDATA section")?;
            text.push_str(&after[..end]);
            rest = &after[end + 3..];
        } else if rest.starts_with("<!") {
            return Err("a DOCTYPE or other declaration, which AWS never sends".into());
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("an unterminated closing tag")?;
            let name = local(after[..end].trim());
            let Some((open, had_children)) = stack.pop() else {
                return Err(format!("a closing tag </{name}> with nothing open"));
            };
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            if !had_children {
                out.push((path(&stack, open), std::mem::take(&mut text)));
            }
            text.clear();
            rest = &after[end + 1..];
        } else {
            let after = &rest[1..];
            let end = tag_end(after).ok_or("an unterminated tag")?;
            let inner = &after[..end];
            let self_closing = inner.ends_with('/');
            let inner = inner.trim_end_matches('/');
            let name = local(
                inner
                    .split(|c: char| c.is_whitespace())
                    .next()
                    .unwrap_or(""),
            );
            if name.is_empty() {
                return Err("a tag without a name".into());
            }
            if let Some(parent) = stack.last_mut() {
                parent.1 = true;
            } else if !out.is_empty() {
                return Err("more than one root element".into());
            }
            if self_closing {
                out.push((path(&stack, name), String::new()));
            } else {
                if stack.len() == MAX_DEPTH {
                    return Err("elements nested too deep".into());
                }
                stack.push((name, false));
            }
            text.clear();
            rest = &after[end + 1..];
        }
    }
    if let Some((open, _)) = stack.last() {
        return Err(format!("<{open}> is never closed"));
    }
    Ok(out)
}

/// The text of the first leaf at `path`.
pub fn find<'a>(leaves: &'a [(String, String)], path: &str) -> Option<&'a str> {
    leaves
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, text)| text.as_str())
}

fn path(stack: &[(&str, bool)], name: &str) -> String {
    let mut out = String::new();
    for (open, _) in stack {
        out.push_str(open);
        out.push('/');
    }
    out.push_str(name);
    out
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn skip_past<'a>(text: &'a str, end: &str) -> Result<&'a str, String> {
    text.find(end)
        .map(|i| &text[i + end.len()..])
        .ok_or_else(|| format!("no closing {end}"))
}

/// Where a start tag ends: the first `>` outside a quoted attribute value.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The five predefined entities and character references.
fn decode(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|&i| i <= 10)
            .ok_or("an `&` that starts no entity")?;
        let entity = &after[..semi];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code =
                    if let Some(hex) = entity.strip_prefix("#x").or(entity.strip_prefix("#X")) {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse().ok()
                    } else {
                        None
                    };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("an unknown entity &{entity};"))?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_by_path_with_entities_namespaces_and_cdata() {
        let doc = r#"<?xml version="1.0"?>
<!-- a comment > with a bracket -->
<r:Root xmlns:r="urn:x" a='1>2'>
  <A>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#233;&#x41;</A>
  <B><C><![CDATA[<raw & text>]]></C><D/></B>
  <E></E>
</r:Root>"#;
        let leaves = leaves(doc).unwrap();
        assert_eq!(find(&leaves, "Root/A"), Some("x & y <z> \"q\" 's' éA"));
        assert_eq!(find(&leaves, "Root/B/C"), Some("<raw & text>"));
        assert_eq!(find(&leaves, "Root/B/D"), Some(""));
        assert_eq!(find(&leaves, "Root/E"), Some(""));
        assert_eq!(find(&leaves, "Root/B"), None);
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for bad in [
            "<a>",
            "<a></b>",
            "</a>",
            "<a>&bogus;</a>",
            "<a>& loose</a>",
            "<a>&#xFFFFFFFF;</a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            "<a><!-- never closed</a>",
            "<a><![CDATA[x</a>",
            "<a",
            "<>x</>",
            "<a/><b/>",
            "<a>text",
        ] {
            assert!(leaves(bad).is_err(), "{bad}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(leaves(&deep).is_err());
        assert!(leaves(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
