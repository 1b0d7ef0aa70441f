package slackbot

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
)

// Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	maxSectionText   = 3000 // characters of a section's text
	maxBlocks        = 50   // blocks of a message
	maxContextElems  = 10   // elements of a context block
	maxFallbackText  = 3000 // the notification text beside the blocks
	trailingBlocks   = 3    // citations, notice, buttons
	maxTitleRunes    = 200
	feedbackBlockID  = "policybot_feedback"
	citationsBlockID = "policybot_citations"
	noticeBlockID    = "policybot_notice"
	hedgeBlockID     = "policybot_hedge"
	chosenBlockID    = "policybot_chosen"
	choicesBlockID   = "policybot_choices"
	actionUp         = "policybot_feedback_up"
	actionDown       = "policybot_feedback_down"
	// actionChoice prefixes the action ids of a clarifying reply's choice
	// buttons ("policybot_choice_0", …: unique within their block).
	actionChoice    = "policybot_choice_"
	maxChoices      = 5  // buttons of one actions block
	maxButtonLabel  = 75 // characters of a button's text
	maxButtonValue  = 2000
	hedgeText       = "可能相关的条款（未必完全对应您的问题）"
	chosenTextStart = "选择了："
)

// reply is one Slack message of an answer.
type reply struct {
	Text   string // the fallback for notifications
	Blocks []slack.Block
}

// escape makes text safe for mrkdwn: Slack reads &, < and > as markup.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// unescape undoes the escaping Slack applies to the text users type.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// citationURL links an article on the web UI; "" without a public URL.
func citationURL(publicURL string, c convlog.Citation) string {
	if publicURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/policies/%s#article-%d", publicURL, url.PathEscape(c.Doc), c.Article)
}

// renderAnswer lays the answer to q out as Slack messages: a hedge's mark,
// the text in sections of at most maxSectionText characters, then the
// citations (none for a route or a refusal), a clarifying reply's choices
// as buttons, the sample notice and the feedback buttons carrying q's
// message id. Almost every answer fits one message; a longer one continues
// in further messages, each within maxBlocks, the trailing blocks on the
// last.
func renderAnswer(ans bot.Answer, publicURL string, q question) []reply {
	var leading, trailing []slack.Block
	if q.chosen != "" {
		// Who asked what: a choice button has no message of the user's.
		leading = append(leading, slack.NewContextBlock(chosenBlockID,
			slack.NewTextBlockObject(slack.MarkdownType, "<@"+q.user+"> "+chosenTextStart+escape(q.chosen), false, false)))
	}
	if ans.Mode == bot.ModeHedge {
		leading = append(leading, slack.NewContextBlock(hedgeBlockID,
			slack.NewTextBlockObject(slack.MarkdownType, "⚠️ *"+hedgeText+"*", false, false)))
	}
	if ans.Mode != bot.ModeRoute && ans.Mode != bot.ModeRefuse {
		if b := citationBlocks(ans.Citations, publicURL); b != nil {
			trailing = append(trailing, b...)
		}
	}
	if b := choicesBlock(ans.Choices, q); b != nil {
		trailing = append(trailing, b)
	}
	notice := ans.Notice
	if notice == "" {
		for _, c := range ans.Citations {
			if c.Sample {
				notice = bot.SampleNotice
				break
			}
		}
	}
	if notice != "" {
		trailing = append(trailing, slack.NewContextBlock(noticeBlockID,
			slack.NewTextBlockObject(slack.MarkdownType, "⚠️ "+escape(notice), false, false)))
	}
	trailing = append(trailing, feedbackBlock(q.messageID()))

	parts := splitText(escape(ans.Text), maxSectionText)
	var out []reply
	for n := 0; ; {
		blocks := leading
		leading = nil
		last := len(parts) <= maxBlocks-len(trailing)-len(blocks)
		take := min(len(parts), maxBlocks-len(blocks))
		for _, p := range parts[:take] {
			blocks = append(blocks, slack.NewSectionBlock(
				slack.NewTextBlockObject(slack.MarkdownType, p, false, false), nil, nil,
				slack.SectionBlockOptionBlockID(fmt.Sprintf("policybot_answer_%d", n))))
			n++
		}
		parts = parts[take:]
		if last {
			blocks = append(blocks, trailing...)
		}
		out = append(out, reply{Text: fallback(strings.Join(partsText(blocks), "\n")), Blocks: blocks})
		if last {
			return out
		}
	}
}

// partsText is the section texts of blocks.
func partsText(blocks []slack.Block) []string {
	var t []string
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			t = append(t, s.Text.Text)
		}
	}
	return t
}

// fallback shortens text for the notification line.
func fallback(text string) string {
	if text == "" {
		return "政策查询结果"
	}
	if parts := splitText(text, maxFallbackText-1); len(parts) > 1 {
		return parts[0] + "…"
	}
	return text
}

// citationBlocks lists the cited articles, linked to the web UI.
func citationBlocks(cs []convlog.Citation, publicURL string) []slack.Block {
	seen := map[string]bool{}
	var elems []slack.MixedElement
	for _, c := range cs {
		key := fmt.Sprintf("%s#%d", c.Doc, c.Article)
		if seen[key] {
			continue
		}
		seen[key] = true
		title := c.Title
		if r := []rune(title); len(r) > maxTitleRunes {
			title = string(r[:maxTitleRunes]) + "…"
		}
		label := escape(fmt.Sprintf("《%s》%s", title, c.Label))
		if u := citationURL(publicURL, c); u != "" {
			// Within <url|label>, "|" would end the url and ">" the link.
			label = fmt.Sprintf("<%s|%s>", u, strings.ReplaceAll(label, "|", "｜"))
		}
		text := "📄 " + label
		if c.Department != "" {
			text += " · " + escape(c.Department)
		}
		elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, text, false, false))
	}
	var blocks []slack.Block
	for i := 0; i < len(elems); i += maxContextElems {
		id := citationsBlockID
		if i > 0 {
			id = fmt.Sprintf("%s_%d", citationsBlockID, i/maxContextElems)
		}
		blocks = append(blocks, slack.NewContextBlock(id, elems[i:min(i+maxContextElems, len(elems))]...))
	}
	return blocks
}

// choiceValue is what a choice button carries: the question it asks and
// where its answer goes (the conversation, the thread, or the response URL
// of a slash command, which Slack sends with the click).
type choiceValue struct {
	Conv    string `json:"c"`
	Thread  string `json:"t,omitempty"`
	Command bool   `json:"cmd,omitempty"`
	Label   string `json:"l"`
	Message string `json:"q"`
}

// choicesBlock offers a clarifying reply's choices as buttons that ask
// their message in the same conversation; nil when there are none.
func choicesBlock(cs []bot.Choice, q question) slack.Block {
	var buttons []slack.BlockElement
	for _, c := range cs {
		if len(buttons) == maxChoices {
			break
		}
		msg := strings.TrimSpace(c.Message)
		if msg == "" {
			continue
		}
		label := strings.TrimSpace(c.Label)
		if label == "" {
			label = msg
		}
		if r := []rune(label); len(r) > maxButtonLabel {
			label = string(r[:maxButtonLabel-1]) + "…"
		}
		v, err := json.Marshal(choiceValue{Conv: q.conv, Thread: q.threadTS, Command: q.command, Label: label, Message: msg})
		if err != nil || utf8.RuneCount(v) > maxButtonValue {
			continue
		}
		buttons = append(buttons, slack.NewButtonBlockElement(fmt.Sprintf("%s%d", actionChoice, len(buttons)), string(v),
			slack.NewTextBlockObject(slack.PlainTextType, label, false, false)))
	}
	if len(buttons) == 0 {
		return nil
	}
	return slack.NewActionBlock(choicesBlockID, buttons...)
}

// feedbackBlock is the 👍/👎 buttons; their value names the answer.
func feedbackBlock(messageID string) slack.Block {
	return slack.NewActionBlock(feedbackBlockID,
		slack.NewButtonBlockElement(actionUp, messageID, slack.NewTextBlockObject(slack.PlainTextType, "👍 有帮助", true, false)),
		slack.NewButtonBlockElement(actionDown, messageID, slack.NewTextBlockObject(slack.PlainTextType, "👎 没帮助", true, false)),
	)
}

// textBlocks is a plain short message (placeholder, apology) as blocks.
func textBlocks(text string) []slack.Block {
	return []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, escape(text), false, false), nil, nil)}
}

// splitText cuts already escaped text into pieces of at most limit
// characters (counted in UTF-16 units, the stricter of the ways Slack may
// count), preferring line ends, never inside a character or an entity.
func splitText(text string, limit int) []string {
	if text == "" {
		return nil
	}
	var parts []string
	for text != "" {
		cut, size, lastNL := 0, 0, -1
		for i, r := range text {
			n := utf16.RuneLen(r)
			if n < 0 {
				n = 1
			}
			if size+n > limit {
				break
			}
			size += n
			cut = i + len(string(r))
			if r == '\n' {
				lastNL = cut
			}
		}
		if cut == len(text) {
			if p := strings.TrimRight(text, "\n"); p != "" {
				parts = append(parts, p)
			}
			break
		}
		switch {
		case lastNL > len(text[:cut])/2:
			cut = lastNL
		default:
			// Do not cut "&amp;" and the like in two.
			if amp := strings.LastIndexByte(text[:cut], '&'); amp >= 0 && amp > cut-5 && !strings.Contains(text[amp:cut], ";") {
				cut = amp
			}
		}
		if cut == 0 { // limit smaller than one character
			cut = len(string([]rune(text)[0]))
		}
		if p := strings.TrimRight(text[:cut], "\n"); p != "" {
			parts = append(parts, p)
		}
		text = text[cut:]
	}
	return parts
}
