package bot

import (
	"slices"
	"strings"
	"testing"
)

// answerCase is a question and what its reply must and must not say.
type answerCase struct {
	name     string
	q        string
	mode     Mode
	article  int // first citation, 0 for any
	contains []string
	not      []string
}

func checkAnswer(t *testing.T, b *Bot, conv string, tc answerCase) Answer {
	t.Helper()
	ans := ask(t, b, conv, tc.q)
	if ans.Mode != tc.mode {
		t.Fatalf("Ask(%q) mode = %s, want %s\n%s", tc.q, ans.Mode, tc.mode, ans.Text)
	}
	if tc.article != 0 && (len(ans.Citations) == 0 || ans.Citations[0].Article != tc.article) {
		t.Errorf("Ask(%q) cites %+v, want 第%d条 first", tc.q, ans.Citations, tc.article)
	}
	for _, s := range tc.contains {
		if !strings.Contains(ans.Text, s) {
			t.Errorf("Ask(%q) = %q, want it to contain %q", tc.q, ans.Text, s)
		}
	}
	for _, s := range tc.not {
		if strings.Contains(ans.Text, s) {
			t.Errorf("Ask(%q) = %q, must not contain %q", tc.q, ans.Text, s)
		}
	}
	return ans
}

// A tier named in the question gets its own amount and never a sibling
// tier's; the clauses that qualify the amount are quoted with it.
func TestTierAnswers(t *testing.T) {
	b := newTestBot(t)
	for _, tc := range []answerCase{
		{name: "named tier only", q: "我们的车间被评为省级智能制造示范车间，奖金是多少", mode: ModeAnswer, article: 5,
			contains: []string{"50万元", "不重复享受"}, not: []string{"200万元", "100万元", "20万元"}},
		{name: "grade", q: "景区新评上3A了区里奖多少钱", mode: ModeAnswer, article: 3,
			contains: []string{"30万元"}, not: []string{"500万元", "100万元"}},
		{name: "former tier is not the tier asked", q: "去年还是省级企业技术中心，今年升为国家级了，奖多少", mode: ModeAnswer, article: 9,
			contains: []string{"100万元"}, not: []string{"30万元"}},
		{name: "tier the article does not list", q: "我们酒店是三星级，有奖励吗", mode: ModeAnswer, article: 4,
			contains: []string{"未列出", "四星级"}},
		{name: "a grade below those listed", q: "我们景区刚评上2A，有没有奖励", mode: ModeAnswer, article: 3,
			contains: []string{"未列出“2A”", "3A"}},
		{name: "no tier: every tier", q: "夜间文旅消费集聚区评上了能奖多少", mode: ModeAnswer, article: 9,
			contains: []string{"100万元", "50万元"}},
		{name: "upgrade tops up the difference", q: "原来是省级专精特新，今年晋级国家级小巨人，还能拿多少", mode: ModeAnswer, article: 6,
			contains: []string{"补足差额", "50万元 − 20万元 = 30万元"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkAnswer(t, b, "", tc) })
	}
}

// The company's own figures are applied in code, with the working shown.
func TestComputedAnswers(t *testing.T) {
	b := newTestBot(t)
	for _, tc := range []answerCase{
		{name: "rate under the cap", q: "智改数转项目今年设备加软件花了800万，补助大概多少", mode: ModeAnswer, article: 4,
			contains: []string{"800万元×12%", "96万元", "未超过"}},
		{name: "rate over the cap", q: "智改数转投了4000万元，能补多少", mode: ModeAnswer, article: 4,
			contains: []string{"480万元", "按300万元计"}},
		{name: "below the threshold", q: "海外仓面积只有1500平米，能补吗", mode: ModeAnswer, article: 7,
			contains: []string{"1500平方米", "未达到", "2000平方米"}},
		{name: "per unit", q: "演唱会单场卖了两万张票，主办方能拿多少奖励", mode: ModeAnswer, article: 6,
			contains: []string{"2万张×10元", "20万元"}},
		{name: "per step with cap", q: "今年外贸比去年多做了9000万美元，增量奖能拿多少", mode: ModeAnswer, article: 3,
			contains: []string{"90万元", "按50万元计"}},
		{name: "step a figure reaches", q: "公司年营收第一次突破52亿，区里奖多少", mode: ModeAnswer, article: 7,
			contains: []string{"100万元"}, not: []string{"200万元"}},
		{name: "threshold tier a figure reaches", q: "跨境电商进出口额首次到了600万美元，能奖多少", mode: ModeAnswer, article: 6,
			contains: []string{"20万元"}, not: []string{"50万元"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkAnswer(t, b, "", tc) })
	}
}

// Each kind of message gets its kind of reply.
func TestModes(t *testing.T) {
	b := newTestBot(t)
	for _, tc := range []answerCase{
		{name: "route: tax", q: "拿到的奖励资金要不要交企业所得税", mode: ModeRoute, contains: []string{"税务"}},
		{name: "route: social insurance", q: "员工社保缴费基数怎么调整", mode: ModeRoute, contains: []string{"人社"}},
		{name: "route: criteria of a designation", q: "评专精特新需要满足什么认定条件", mode: ModeRoute, contains: []string{"工信"}},
		{name: "refuse: unrelated", q: "吴中这周末天气怎么样", mode: ModeRefuse, contains: []string{"12345"}},
		{name: "refuse: a definition the documents do not give", q: "3+2+N重点产业集群具体是指哪些产业", mode: ModeRefuse},
		{name: "clarify: no topic", q: "有没有补贴", mode: ModeClarify},
		{name: "chat: thanks", q: "好的，谢谢", mode: ModeChat},
		{name: "chat: a person", q: "我要找人工客服", mode: ModeChat, contains: []string{"12345"}},
		{name: "answer: scope", q: "我们是分公司，没有独立法人资格，制造业的政策能申请吗", mode: ModeAnswer, contains: []string{"独立法人"}},
		// A title or an event the measures do not name, though an article
		// names its kind (…中心, …展) and tier: not covered. An abbreviation
		// or a narrower name of what an article names is.
		{name: "refuse: another title of the same kind", q: "刚评上国家级服务型制造示范企业，奖多少", mode: ModeRefuse},
		{name: "refuse: another title of the same tier", q: "厂里刚拿到省级质量信用AAA企业称号，区里奖多少", mode: ModeRefuse},
		{name: "refuse: another event", q: "我们餐厅想办个小龙虾美食节，区里有补贴吗", mode: ModeRefuse},
		{name: "answer: an abbreviated title", q: "我们厂刚评上国家级企技中心，奖多少", mode: ModeAnswer, contains: []string{"100万元"}},
		{name: "answer: a narrower event", q: "在太湖边办了个露天音乐节，单场卖了1.5万张票，奖多少", mode: ModeAnswer, contains: []string{"15万元"}},
		// Running an event is not attending one, nor the other way round.
		{name: "refuse: organising what the measure pays attending", q: "我们打算办一场宠物博览会，有奖励吗", mode: ModeRefuse},
		{name: "refuse: competing in what the measure pays organising", q: "我们俱乐部的队员去参加全国比赛拿了冠军，有奖励吗", mode: ModeRefuse},
		{name: "answer: the organiser the measure pays", q: "我们是主办方，演唱会卖了2万张票，奖多少", mode: ModeAnswer, contains: []string{"20万元"}},
		// Done in China, where the measure pays for what is done abroad: not
		// covered, and the reply says which measure exists. 香港 counts as
		// abroad; where the company is registered is not where it acts.
		{name: "refuse: a fair in China for the overseas-fair measure", q: "下半年去上海参加进博会，展位费能补吗", mode: ModeRefuse, contains: []string{"境外", "第4条"}},
		{name: "refuse: a local warehouse for the overseas one", q: "我们准备在本地自建一个2500平方米的仓，有补助吗", mode: ModeRefuse, contains: []string{"境外", "第7条"}},
		{name: "answer: Hong Kong is abroad for these measures", q: "我们去香港参展，展位费补贴多少", mode: ModeAnswer, contains: []string{"70%"}},
		{name: "answer: registered elsewhere, acting here", q: "我们赛事公司注册在上海，在吴中办比赛能不能申请区里的奖励", mode: ModeAnswer, contains: []string{"不限注册地"}},
		// The papers of an application round the measure does not state:
		// its department.
		{name: "route: a quota the measure does not state", q: "小升规的奖励每年有名额限制吗", mode: ModeRoute, contains: []string{"区工信局"}},
		{name: "route: the documents to hand in", q: "申报智改数转补助要交哪些材料", mode: ModeRoute, contains: []string{"区工信局"}},
		// 年报 (the annual report) is not in 一年报几次 (how often a year).
		{name: "answer: how often a year", q: "文旅的奖励每年报几次", mode: ModeAnswer, contains: []string{"每年集中申报一次"}},
		{name: "route: the annual report", q: "企业年报逾期没报怎么补", mode: ModeRoute, contains: []string{"市场监管"}},
		// What the company applies for is the topic, though words beside it
		// (新引进, 技术) are an article's.
		{name: "route: what the company applies for", q: "刚引进的研发团队想申请人才公寓，找谁", mode: ModeRoute, contains: []string{"住建"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := checkAnswer(t, b, "", tc)
			if tc.mode != ModeAnswer && len(ans.Citations) != 0 {
				t.Errorf("a %s reply cites %+v", ans.Mode, ans.Citations)
			}
			if (tc.mode == ModeRoute || tc.mode == ModeRefuse) != ans.Refused {
				t.Errorf("Refused = %v for mode %s", ans.Refused, ans.Mode)
			}
			if tc.mode == ModeClarify && len(ans.Choices) == 0 {
				t.Error("a clarifying reply offers no choices")
			}
		})
	}
}

// A question without a topic of its own continues the conversation's
// topic; a refused or routed turn does not break the chain; a new topic
// starts a new one.
func TestConversationTopic(t *testing.T) {
	b := newTestBot(t)
	checkAnswer(t, b, "c1", answerCase{q: "智改数转项目的补助怎么算", mode: ModeAnswer, article: 4})
	checkAnswer(t, b, "c1", answerCase{q: "补助款要交个人所得税吗", mode: ModeRoute})
	checkAnswer(t, b, "c1", answerCase{q: "每年最多能拿多少", mode: ModeAnswer, article: 4, contains: []string{"300万元"}})
	checkAnswer(t, b, "c1", answerCase{q: "那海外仓呢", mode: ModeAnswer, article: 7, contains: []string{"100万元"}})

	// What the company says before it asks carries over.
	checkAnswer(t, b, "c2", answerCase{q: "你好，我们是做旅行社的", mode: ModeChat})
	checkAnswer(t, b, "c2", answerCase{q: "这种区里有什么奖励", mode: ModeAnswer, article: 8, contains: []string{"1万人次"}})

	// When to apply, after a topic: the topic's measure's deadline, not
	// another measure's.
	checkAnswer(t, b, "c3", answerCase{q: "体育赛事的奖励标准是怎样的", mode: ModeAnswer, article: 7})
	checkAnswer(t, b, "c3", answerCase{q: "奖励什么时候申报？", mode: ModeAnswer, contains: []string{"活动结束后3个月内"}, not: []string{"区工信局发布"}})
}

// An English question is answered in English, amounts with their Chinese form.
func TestEnglishAnswer(t *testing.T) {
	b := newTestBot(t)
	ans := checkAnswer(t, b, "", answerCase{q: "How much is the reward for a national-level green factory?", mode: ModeAnswer, article: 11,
		contains: []string{"According to", "500,000 yuan (50万元)", "Responsible department:"}, not: []string{"20万元"}})
	if ans.Notice != SampleNoticeEnglish {
		t.Errorf("notice = %q, want the English sample notice", ans.Notice)
	}
	// The company's figure picks a step: the other steps' amounts are not
	// listed beside it.
	checkAnswer(t, b, "", answerCase{q: "Our annual revenue went past 5 billion yuan for the first time, what reward do we get?", mode: ModeAnswer, article: 7,
		contains: []string{"1,000,000 yuan (100万元)"}, not: []string{"50万元", "200万元"}})
	// A company's yearly sales are its revenue (年销售额), not a product's
	// first-year sales (首台套).
	checkAnswer(t, b, "", answerCase{q: "Our factory's yearly sales went past 5 billion yuan for the first time, what reward do we get?", mode: ModeAnswer, article: 7,
		contains: []string{"1,000,000 yuan (100万元)"}, not: []string{"200万元"}})
}

func TestAskedFor(t *testing.T) {
	tests := []struct{ q, want string }{
		{"国家级专精特新小巨人的评审专家都有谁", "评审专家"},
		{"木渎附近有什么好吃的苏帮菜馆推荐", "苏帮菜馆"},
		{"我们是做汽车零部件的，区里有没有设备方面的补贴？", "补贴"},
		{"一日游不住宿的团算不算", "团"},
		{"技改投入里装修的费用算不算进去", "费用"},
		{"智改数转补助比例是多少", ""}, // no X的Y
	}
	for _, tc := range tests {
		if got, _ := askedFor(tc.q); got != tc.want {
			t.Errorf("askedFor(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// TestNearMissChecksKeepAnswers: the checks that refuse a near miss (a title
// or event the article does not name, the other role, something done in
// China for a measure of abroad, the papers of a round, a place that opens
// the question) leave ordinary questions answered: a singer's or a sport's
// name does not change an event's kind, the audience taking part is not
// the company attending, a company's own place or adjective is not where it
// acts, a year of the company's figures is not the policy's.
func TestNearMissChecksKeepAnswers(t *testing.T) {
	b := newTestBot(t)
	for _, tc := range []answerCase{
		{name: "a singer's concert", q: "我们在吴中办了一场周杰伦演唱会，卖了2万张票，奖多少", mode: ModeAnswer, article: 6, contains: []string{"20万元"}},
		{name: "a sport's match", q: "举办了一场国际羽毛球比赛，奖多少", mode: ModeAnswer, article: 7, contains: []string{"200万元"}},
		{name: "the audience takes part", q: "我们的马拉松赛事有2万人参赛，能拿多少奖励", mode: ModeAnswer, article: 7},
		{name: "a company in the district, a fair abroad", q: "我们是区内的外贸企业，明年去德国参加汉诺威工业展，展位费能补多少？", mode: ModeAnswer, article: 4, contains: []string{"70%"}},
		{name: "China and abroad", q: "参加国内外展会，展位费能补多少", mode: ModeAnswer, article: 4},
		{name: "a company in a park, a fair abroad", q: "我们在工业园区内，下个月去越南参展，展位费补多少", mode: ModeAnswer, article: 4},
		{name: "the company's factory elsewhere", q: "我们昆山工厂的产品去日本参展，展位费补多少", mode: ModeAnswer, article: 4},
		{name: "a brand from abroad, stores elsewhere", q: "我们是韩国的化妆品品牌，之前在上海开过店，吴中这家是华东第一家，能奖多少", mode: ModeAnswer, article: 11},
		{name: "a list a company enters", q: "入选省级专精特新名单能奖多少", mode: ModeAnswer, article: 6, contains: []string{"20万元"}},
		{name: "the year of the company's figure", q: "2024年的营收首次突破10亿奖多少", mode: ModeAnswer, article: 7, contains: []string{"50万元"}},
		{name: "a factory moving to the home region", q: "昆山工厂搬到吴中有补贴吗", mode: ModeAnswer},
		{name: "a week is no star", q: "旅游饭店评上星级能奖多少，我们大概一星期后评定", mode: ModeAnswer, article: 4, not: []string{"未列出"}},
		{name: "accounts the company has", q: "公司名下有好几个网店账号，今年网络零售额首次突破1亿元，能奖多少", mode: ModeAnswer, article: 13},
		{name: "a loan beside the topic", q: "刚评上省级专精特新，还想申请贷款，专精特新能奖多少", mode: ModeAnswer, article: 6, contains: []string{"20万元"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkAnswer(t, b, "", tc) })
	}
}

func TestWordIndexes(t *testing.T) {
	tests := []struct {
		text, key string
		want      []int
	}{
		{"企业年报怎么报", "年报", []int{6}},
		{"一年报几次", "年报", nil},
		{"去年报了没有", "年报", nil},
		{"今年年报截止了吗", "年报", []int{6}}, // 今年 claims the first 年 only
		{"a tax question", "tax", []int{2}},
		{"taxi fare", "tax", nil},
	}
	for _, tc := range tests {
		if got := wordIndexes(tc.text, tc.key); !slices.Equal(got, tc.want) {
			t.Errorf("wordIndexes(%q, %q) = %v, want %v", tc.text, tc.key, got, tc.want)
		}
	}
}
