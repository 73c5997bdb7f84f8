//! Google GenAI usage metadata (`promptTokenCount`, `candidatesTokenCount`,
//! `cachedContentTokenCount`, `thoughtsTokenCount`, `toolUsePromptTokenCount`,
//! `totalTokenCount`) → the one token model. Gemini CLI stores these counts renamed
//! (`tokens.input/output/cached/thoughts/tool/total`); Qwen Code stores them as they are.

use crate::vocab::records::Usage;

/// The counts of one response, as the API reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenAiCounts {
    /// Prompt tokens, cached ones included.
    pub prompt: i64,
    pub candidates: i64,
    pub cached: i64,
    pub thoughts: i64,
    /// Prompt tokens of tool use, outside `prompt`.
    pub tool: i64,
    /// 0 when not reported.
    pub total: i64,
}

impl GenAiCounts {
    /// `input` = prompt − cached + tool-use prompt; `cacheRead` = cached (at most the prompt);
    /// `output` = candidates + thoughts, or candidates alone when the reported total shows the
    /// thoughts inside them (OpenAI-compatible backends: total = prompt + candidates);
    /// `reasoning` = thoughts. No cache writes: the API reports none.
    pub fn usage(&self) -> Usage {
        let cached = self.cached.min(self.prompt);
        let thoughts_inside = self.thoughts > 0
            && self.total > 0
            && self.thoughts <= self.candidates
            && self.total <= self.prompt + self.tool + self.candidates;
        let output = if thoughts_inside {
            self.candidates
        } else {
            self.candidates + self.thoughts
        };
        Usage {
            input: self.prompt - cached + self.tool,
            output,
            reasoning: self.thoughts,
            cache_read: cached,
            cache_write_5m: 0,
            cache_write_1h: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tokens_leave_input_and_thoughts_join_output() {
        // Gemini: total = prompt + candidates + thoughts + tool.
        let g = GenAiCounts {
            prompt: 1000,
            candidates: 50,
            cached: 800,
            thoughts: 30,
            tool: 7,
            total: 1087,
        };
        let u = g.usage();
        assert_eq!(
            (u.input, u.cache_read, u.output, u.reasoning),
            (207, 800, 80, 30)
        );
        assert_eq!(
            u.total(),
            1087,
            "the token model adds up to the API's total"
        );
        // OpenAI-compatible: thoughts inside candidates, total = prompt + candidates.
        let q = GenAiCounts {
            prompt: 1000,
            candidates: 50,
            cached: 0,
            thoughts: 30,
            tool: 0,
            total: 1050,
        };
        let u = q.usage();
        assert_eq!((u.input, u.output, u.reasoning), (1000, 50, 30));
        assert_eq!(u.total(), 1050);
        // A cached count above the prompt is clamped.
        let c = GenAiCounts {
            prompt: 10,
            cached: 50,
            ..Default::default()
        };
        assert_eq!((c.usage().input, c.usage().cache_read), (0, 10));
    }
}
