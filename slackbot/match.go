package slackbot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies/amount"
	"policybot/policies/fault"
)

// "/policy match 我们是吴中一家……" lists every measure the company may
// qualify for, with the estimated amounts (the bot's policy matching), as
// an answer only the asker sees.

// Matcher matches a company's description against the measures;
// *bot.Bot satisfies it. Without it, /policy match says matching is off.
type Matcher interface {
	// Match refuses a description it cannot take with a fault.Invalid
	// (code bot.CodeBadProfile) that says why.
	Match(ctx context.Context, req bot.MatchRequest) (bot.MatchResult, error)
}

var _ Matcher = (*bot.Bot)(nil)

// matchCommandRE is the subcommand: match, 匹配, 政策匹配.
var matchCommandRE = regexp.MustCompile(`^(?i:match|政策匹配|匹配)(?:\s+|[:：]\s*|$)`)

// matchCommand returns the description after the subcommand, and whether
// the command is one.
func matchCommand(text string) (string, bool) {
	loc := matchCommandRE.FindStringIndex(text)
	if loc == nil {
		return "", false
	}
	return strings.TrimSpace(text[loc[1]:]), true
}

const (
	matchUsageText = "用法：/policy match 企业情况，例如：/policy match 我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新"
	matchOffText   = "政策匹配暂未开通，请直接提问具体政策。"
	// maxMatchSections bounds the matches shown in Slack; the web's 政策匹配
	// view shows them all.
	maxMatchSections = 15
	matchBlockID     = "policybot_match"
)

var matchStatusLabels = map[bot.MatchStatus]string{bot.MatchMatched: "符合", bot.MatchPossible: "待确认", bot.MatchNotMatched: "不符合"}

// answerMatch posts the match list for a slash command's description
// through its response URL, replacing the acknowledgement.
func (s *Service) answerMatch(ctx context.Context, q question, description, responseURL string) {
	log := s.log.With("channel", q.channel, "user", q.user, "command", "match")
	var r reply
	m, ok := s.asker.(Matcher)
	switch {
	case !ok:
		r = reply{Text: matchOffText, Blocks: textBlocks(matchOffText)}
	case description == "":
		r = reply{Text: matchUsageText, Blocks: textBlocks(matchUsageText)}
	default:
		if err := s.acquire(ctx); err != nil {
			return
		}
		res, err := m.Match(ctx, bot.MatchRequest{Text: description})
		s.release()
		switch fe := fault.As(err); {
		case fault.CodeOf(err) == bot.CodeBadProfile:
			r = reply{Text: fe.Msg.Zh, Blocks: textBlocks(fe.Msg.Zh)}
		case err != nil:
			log.Error("match failed", "err", err)
			text := userMessage(err)
			r = reply{Text: text, Blocks: textBlocks(text)}
		default:
			r = renderMatches(res, s.cfg.PublicURL)
		}
	}
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: r.Text,
		Blocks: &slack.Blocks{BlockSet: r.Blocks}, ReplaceOriginal: true}
	err := s.respond(ctx, responseURL, msg)
	if err != nil {
		log.Warn("acknowledgement not replaced; posting the match list", "err", err)
		msg.ReplaceOriginal = false
		err = s.respond(ctx, responseURL, msg)
	}
	if err != nil {
		log.Error("match list not posted", "err", err)
	}
}

// renderMatches lays a match result out as one Slack message: what was
// understood, a section per match (status, article linked, estimate with
// its working, conditions to confirm, department and deadline), the total
// labelled an estimate, the exclusions and the sample notice.
func renderMatches(res bot.MatchResult, publicURL string) reply {
	var blocks []slack.Block
	section := func(id, text string) {
		for i, p := range splitText(text, maxSectionText) {
			bid := id
			if i > 0 {
				bid = fmt.Sprintf("%s_%d", id, i)
			}
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, p, false, false), nil, nil,
				slack.SectionBlockOptionBlockID(bid)))
		}
	}
	u := understoodText(res)
	section(matchBlockID+"_head", "*政策匹配*（依据您的描述识别："+escape(u)+"）")
	if len(res.Matches) == 0 {
		section(matchBlockID+"_none", "没有找到可匹配的条款。可补充资质级别、投资金额、营收等信息后再试。")
	}
	for i, m := range res.Matches {
		if i == maxMatchSections {
			section(matchBlockID+"_more", fmt.Sprintf("……另有%d项，完整列表请在网页的“政策匹配”中查看。", len(res.Matches)-i))
			break
		}
		label := escape(fmt.Sprintf("《%s》%s", m.Title, m.Label))
		if link := citationURL(publicURL, convlog.Citation{Doc: m.Doc, Article: m.Article}); link != "" {
			label = fmt.Sprintf("<%s|%s>", link, strings.ReplaceAll(label, "|", "｜"))
		}
		var b strings.Builder
		fmt.Fprintf(&b, "*%d. 【%s】* %s：%s", i+1, matchStatusLabels[m.Status], label, escape(m.Subject))
		if m.Event != "" {
			fmt.Fprintf(&b, "（活动：%s）", escape(m.Event))
		}
		if m.HasEstimate {
			fmt.Fprintf(&b, "\n测算：*%s*", amount.Format(m.Estimate, m.EstimateUnit))
			if !m.Counted {
				b.WriteString("（未计入合计）")
			}
		}
		if m.Working != "" {
			b.WriteString("\n" + escape(m.Working))
		}
		if m.StackNote != "" {
			b.WriteString("\n叠加规则：" + escape(m.StackNote))
		}
		for _, c := range m.Conditions {
			b.WriteString("\n待确认：" + escape(c))
		}
		fmt.Fprintf(&b, "\n> %s\n部门：%s · 申报：%s", escape(m.Quote), escape(m.Department), escape(m.Deadline))
		section(fmt.Sprintf("%s_%d", matchBlockID, i), b.String())
	}
	ctx := []slack.MixedElement{slack.NewTextBlockObject(slack.MarkdownType, "💰 "+escape(res.TotalNote), false, false)}
	for _, n := range res.Notes {
		if len(ctx) == maxContextElems-1 {
			break
		}
		ctx = append(ctx, slack.NewTextBlockObject(slack.MarkdownType, "不享受情形："+escape(n), false, false))
	}
	if res.Sample {
		ctx = append(ctx, slack.NewTextBlockObject(slack.MarkdownType, "⚠️ "+escape(bot.SampleNotice), false, false))
	}
	blocks = append(blocks, slack.NewContextBlock(matchBlockID+"_total", ctx...))
	if len(blocks) > maxBlocks {
		blocks = append(blocks[:maxBlocks-1], blocks[len(blocks)-1])
	}
	return reply{Text: fallback("政策匹配：" + res.TotalNote), Blocks: blocks}
}

// understoodText says what was read of the description.
func understoodText(res bot.MatchResult) string {
	p := res.Understood
	var parts []string
	if res.Region != "" {
		parts = append(parts, res.Region)
	}
	for _, d := range p.Designations {
		parts = append(parts, d.Tier+d.Name)
	}
	for _, q := range bot.Quantities {
		if v, ok := p.Figures[q.Key]; ok {
			parts = append(parts, q.Label+amount.Format(v, q.Unit))
		}
	}
	for _, pr := range p.Projects {
		parts = append(parts, "投资"+amount.Format(pr.AmountYuan, "元"))
	}
	for _, e := range p.Events {
		parts = append(parts, e.Tier+e.Name)
	}
	if len(parts) == 0 {
		return "未识别到企业信息"
	}
	return strings.Join(parts, " · ")
}
