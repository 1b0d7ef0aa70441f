package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"policybot/bot/convlog"
	"policybot/policies/amount"
	"policybot/policies/norm"
)

// A chat question asking for the whole list ("我们是……，能申请哪些政策？",
// "which incentives can we apply for") is answered by the matcher when the
// company has said enough about itself in the message or earlier in the
// conversation: the same list as POST /api/match, as text with a citation
// per measure. With too little said, the bot asks for the company's
// situation.

// matchAskRE recognises a request for every measure the company may
// qualify for.
var matchAskRE = regexp.MustCompile(`(能|可以|可)(申请|申报|享受|拿|领)(到)?(哪些|什么|啥|几项|多少项)(政策|补贴|奖励|扶持|支持|补助|奖补|项目)|(符合|适用|够得上|满足)(哪些|什么|啥)(政策|补贴|奖励|扶持)|政策匹配|政策计算器|匹配(一下)?(政策|补贴)|(哪些|什么|啥)(政策|补贴|奖励)(我们|我|公司)?(都)?(能|可以)(申请|享受|拿)|which (policies|incentives|subsidies|grants|rewards|measures).{0,40}(can|could|do|qualify|eligible|apply)|what (support|incentives|subsidies|policies) (can|could) (we|i) (apply|get|claim)`)

// matchMinFacts is how much a company must have said about itself (titles,
// figures, projects, events) for a chat question to get the match list.
const matchMinFacts = 2

// maxChatMatches bounds the matches written into a chat answer; the match
// view and POST /api/match give all of them.
const maxChatMatches = 8

// matchReply answers a request for the whole list, or reports false when
// msg is not one. history supplies what the company said earlier.
func (b *Bot) matchReply(ctx context.Context, msg string, history []convlog.Turn, q understood) (Answer, bool) {
	english := q.english
	f := norm.Fold(msg)
	if !matchAskRE.MatchString(f) {
		return Answer{}, false
	}
	cat, err := b.catalog()
	if err != nil {
		b.cfg.Logger.Debug("matching unavailable", "err", err)
		return Answer{}, false
	}
	var said []string
	for _, t := range history {
		if !t.Refused {
			said = append(said, t.Question)
		}
	}
	said = append(said, msg)
	text := strings.Join(said, "，")
	if n := len([]rune(text)); n > maxProfileTextRune {
		text = string([]rune(text)[n-maxProfileTextRune:])
	}
	now := b.cfg.Now()
	p := b.readProfile(cat, text, now)
	if p.Check() != nil {
		return Answer{}, false
	}
	explicit := strings.Contains(f, "政策匹配") || strings.Contains(f, "政策计算器")
	if facts(p) < matchMinFacts && !(explicit && facts(p) > 0) {
		if facts(p) > 0 || topical(q) {
			// One figure, or a topic of its own (搞直播电商的公司有啥政策可以
			// 申请): the question's topic answers it.
			return Answer{}, false
		}
		return matchClarify(english), true
	}
	p.Text = text
	res := b.match(cat, p, false, now)
	return matchAnswer(res, english, b.cfg.Contact), true
}

// topical reports a question that names a topic of its own.
func topical(q understood) bool {
	for _, t := range q.rw.Terms {
		if !generic[t] {
			return true
		}
	}
	return false
}

// facts counts what a profile says the matcher can use.
func facts(p Profile) int {
	return len(p.Designations) + len(p.Figures) + len(p.Projects) + len(p.Events) + len(p.OtherFigures)
}

// matchExample is a description the bot offers as an example.
const matchExample = "我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新，能申请哪些政策？"

func matchClarify(english bool) Answer {
	ans := Answer{Mode: ModeClarify, Choices: []Choice{{Label: pick(english, "示例：描述企业情况", "Example description"), Message: matchExample}}}
	ans.Text = pick(english,
		"要为您匹配可申请的政策，请先介绍企业情况：注册在哪个区、所属行业、年营业收入、已获得的资质和级别（如省级专精特新、4A级景区）、投资项目和金额、外贸或跨境电商数据、举办的活动等。也可以使用“政策匹配”表单。例如：",
		"To list the measures your company may qualify for, tell me about it: where it is registered, its industry, annual revenue, the titles it holds and their level (e.g. provincial 专精特新), investments, trade figures, events held. Or use the 政策匹配 form. For example:")
	return ans
}

// matchAnswer writes a match result as a chat answer with a citation per
// measure.
func matchAnswer(res MatchResult, english bool, contact string) Answer {
	ans := Answer{Mode: ModeAnswer}
	var b strings.Builder
	if len(res.Matches) == 0 {
		ans.Mode = ModeRefuse
		ans.Refused = true
		b.WriteString(pick(english,
			fmt.Sprintf("根据您提供的情况（%s），现有政策文件中没有找到可匹配的条款。可以补充更多情况（资质级别、投资金额、营收等）再试，或咨询：%s。", understoodLine(res.Understood), contact),
			fmt.Sprintf("From what you told me (%s), no clause of the documents I have matches. Tell me more (titles and their level, investments, revenue) or ask: %s.", understoodLine(res.Understood), contact)))
		ans.Text = b.String()
		return ans
	}
	b.WriteString(pick(english,
		fmt.Sprintf("根据您提供的情况（%s），可能适用的政策如下：\n", understoodLine(res.Understood)),
		fmt.Sprintf("From what you told me (%s), these measures may apply:\n", understoodLine(res.Understood))))
	for i, m := range res.Matches {
		if i == maxChatMatches {
			fmt.Fprintf(&b, pick(english, "……另有%d项，完整列表请使用“政策匹配”。\n", "… and %d more; the 政策匹配 form lists them all.\n"), len(res.Matches)-i)
			break
		}
		fmt.Fprintf(&b, "%d. 《%s》%s：%s", i+1, m.Title, m.Label, m.Subject)
		switch {
		case m.HasEstimate && english:
			fmt.Fprintf(&b, " — estimate %s", amount.FormatEnglish(m.Estimate, m.EstimateUnit))
		case m.HasEstimate:
			fmt.Fprintf(&b, " — 测算%s", amount.Format(m.Estimate, m.EstimateUnit))
		case m.Working != "":
			fmt.Fprintf(&b, " — %s", m.Working)
		}
		if m.Status == MatchPossible {
			b.WriteString(pick(english, "（待确认：", " (to confirm: "))
			b.WriteString(strings.Join(m.Conditions, "；"))
			b.WriteString(pick(english, "）", ")"))
		}
		if m.StackNote != "" {
			b.WriteString(pick(english, "（不另计：", " (not added: "))
			b.WriteString(m.StackNote)
			b.WriteString(pick(english, "）", ")"))
		}
		b.WriteString("\n")
		ans.Citations = append(ans.Citations, convlog.Citation{Doc: m.Doc, Article: m.Article, Label: m.Label, Title: m.Title,
			Department: m.Department, Quote: m.Quote, Sample: m.Sample})
	}
	if english {
		fmt.Fprintf(&b, "Estimated total of the matched measures: %s (an estimate; the departments' review decides).", amount.FormatEnglish(res.Total, "元"))
	} else {
		b.WriteString(res.TotalNote)
	}
	if res.Sample {
		ans.Notice = pick(english, SampleNoticeEnglish, SampleNotice)
	}
	ans.Text = b.String()
	return ans
}

// understoodLine says in a line what was read of the profile.
func understoodLine(p Profile) string {
	var parts []string
	if p.Region != "" {
		parts = append(parts, p.Region)
	}
	if p.Category != "" {
		parts = append(parts, categoryNames[p.Category])
	}
	for _, d := range p.Designations {
		s := d.Tier + d.Name
		if d.New != nil && *d.New {
			s += "（新获）"
		}
		if d.FormerTier != "" {
			s += "（原" + d.FormerTier + "）"
		}
		parts = append(parts, s)
	}
	for _, k := range quantityKeys() {
		if v, ok := p.Figures[k]; ok {
			q := quantityByKey(k)
			parts = append(parts, q.Label+amount.Format(v, q.Unit))
		}
	}
	for _, pr := range p.Projects {
		for _, k := range pr.Kinds {
			parts = append(parts, quantityByKey(projectKinds[k]).Label+amount.Format(pr.AmountYuan, "元"))
		}
	}
	for _, e := range p.Events {
		s := e.Tier + e.Name
		if e.Tickets > 0 {
			s += "（售票" + amount.Format(e.Tickets, "张") + "）"
		}
		parts = append(parts, s)
	}
	for _, o := range p.OtherFigures {
		parts = append(parts, o.Name+amount.Format(o.Value, o.Unit))
	}
	if len(parts) == 0 {
		return "未识别到企业信息"
	}
	return strings.Join(parts, " · ")
}
