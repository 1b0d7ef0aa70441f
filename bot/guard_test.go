package bot

import (
	"errors"
	"policybot/policies/norm"
	"slices"
	"strings"
	"testing"
)

// guardPassages are three articles in the shape the bot hands a generator.
func guardPassages() []Passage {
	return []Passage{
		{N: 1, Citation: Citation{Title: "瓯海区促进制造业高质量发展若干政策（2025年修订）", Label: "第6条", Department: "区经信局"},
			Text: "对新认定的省级专精特新中小企业，给予一次性奖励50万元；对国家级专精特新“小巨人”企业，给予一次性奖励150万元。研发投入补助比例为12%，单个企业每年最高不超过1000万美元等值人民币。本政策自2025年3月1日起施行，有效期至2027年12月31日。"},
		{N: 2, Citation: Citation{Title: "瓯海区商贸服务业扶持办法", Label: "第3条", Department: "区商务局"},
			Text: "新建商业综合体面积在2000平方米以上的，按每平方米30元给予租金补贴，补贴期限为3个月，最高伍拾万元。"},
		{N: 3, Citation: Citation{Title: "瓯海区文旅体产业扶持办法", Label: "第9条", Department: "区文广旅体局"},
			Text: "举办国际性体育赛事的，给予最高二十万元补助。申请材料应在赛事结束后30日内提交。"},
	}
}

func TestCheckGenerated(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		// wantErr lists substrings of the error; nil means the answer passes.
		wantErr []string
	}{
		{name: "correct answer", answer: "新认定的省级专精特新中小企业可获一次性奖励50万元[1]，由区经信局负责[1]。"},
		{name: "invented figure", answer: "省级专精特新企业可获奖励80万元[1]。", wantErr: []string{`"80万元"`}},
		{name: "figure from an uncited passage", answer: "商业综合体按每平方米30元补贴[1]。", wantErr: []string{`"30元"`}},
		{name: "same figure cited from its passage", answer: "商业综合体按每平方米30元补贴[2]。"},
		{name: "citation out of range", answer: "可获奖励50万元[5]。", wantErr: []string{"cites [5]", `"50万元"`}},
		{name: "no citation", answer: "可获奖励50万元。", wantErr: []string{"cites no passage"}},
		{name: "no citation and no figure", answer: "所给政策条文没有涉及这个问题。", wantErr: []string{"cites no passage"}},
		{name: "percentage and date copied exactly", answer: "研发投入补助比例为12%，政策自2025年3月1日起施行，有效期至2027年12月31日[1]。"},
		{name: "date without 起 matches the passage's 起", answer: "政策于2025年3月1日施行[1]。"},
		{name: "wrong day", answer: "政策自2025年3月2日起施行[1]。", wantErr: []string{`"2025年3月2日"`}},
		{name: "full-width digits", answer: "补助比例为１２％，奖励５０万元［１］。"},
		{name: "full-width digits that differ", answer: "补助比例为１５％［１］。", wantErr: []string{`"１５％"`}},
		{name: "50万元 is not 150万元's substring", answer: "国家级“小巨人”企业奖励50万元[1]。", wantErr: nil},
		{name: "a figure that is only a substring of a bigger one", answer: "奖励15万元[1]。", wantErr: []string{`"15万元"`}},
		{name: "Chinese numerals in the answer", answer: "省级专精特新企业奖励五十万元[1]。"},
		{name: "Chinese numerals in the passage", answer: "体育赛事最高补助20万元[3]，材料在赛事结束后30日内提交[3]。"},
		{name: "financial numerals in the passage", answer: "租金补贴最高50万元，期限3个月[2]。"},
		{name: "area copied", answer: "面积在2000平方米以上的商业综合体可获补贴[2]。"},
		{name: "area changed", answer: "面积在3000平方米以上的可获补贴[2]。", wantErr: []string{`"3000平方米"`}},
		{name: "currency differs", answer: "每年最高不超过1000万元[1]。", wantErr: []string{`"1000万元"`}},
		{name: "currency matches", answer: "每年最高不超过1000万美元等值人民币[1]。"},
		{name: "duration unit differs", answer: "补贴期限为3年[2]。", wantErr: []string{`"3年"`}},
		{name: "several citations in one bracket", answer: "奖励50万元，补贴每平方米30元[1,2]。"},
		{name: "citations with 、", answer: "奖励50万元，补贴每平方米30元[1、2]。"},
		{name: "adjacent citations", answer: "奖励50万元[1][2]，补贴每平方米30元。"},
		{name: "citation range", answer: "奖励50万元，二十万元补助[1-3]。"},
		{name: "lenticular brackets", answer: "奖励50万元【1】。"},
		{name: "one of two citations not given", answer: "奖励50万元[1、4]。", wantErr: []string{"cites [4]"}},
		{name: "list numbering is not a figure", answer: "可以申请：\n1. 省级专精特新奖励50万元[1]；\n2. 研发补助比例12%[1]。\n(3) 由区经信局受理[1]。"},
		{name: "article label and title year", answer: "根据《瓯海区促进制造业高质量发展若干政策（2025年修订）》第6条[1]，奖励50万元。"},
		{name: "wrong article label", answer: "根据第7条[1]，奖励50万元。", wantErr: []string{`"7条"`}},
		{name: "English amounts", answer: "Provincial firms receive a one-off award of RMB 500,000 (50万元) [1], and the R&D subsidy rate is 12 percent [1]."},
		{name: "English amount invented", answer: "Provincial firms receive RMB 800,000 [1].", wantErr: []string{"800,000"}},
		{name: "English date", answer: "The policy is valid until December 31, 2027 [1]."},
		{name: "bare number", answer: "符合条件的企业在结束后30日内申请[3]，共有3项材料[3]。", wantErr: []string{`"3项"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckGenerated(tc.answer, guardPassages())
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("CheckGenerated(%q) = %v, want nil", tc.answer, err)
				}
				return
			}
			if !errors.Is(err, ErrUngrounded) {
				t.Fatalf("CheckGenerated(%q) = %v, want ErrUngrounded", tc.answer, err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckGenerated(%q) = %v, want it to mention %s", tc.answer, err, w)
				}
			}
		})
	}
}

func TestCheckGeneratedNoPassages(t *testing.T) {
	err := CheckGenerated("奖励50万元[1]。", nil)
	if !errors.Is(err, ErrUngrounded) || !strings.Contains(err.Error(), "no passages were given") {
		t.Fatalf("CheckGenerated with no passages = %v, want ErrUngrounded naming the missing passages", err)
	}
}

func TestGuardCitations(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"a[1]b", []int{1}},
		{"a［2］b", []int{2}},
		{"a[1][2]", []int{1, 2}},
		{"a[1,2]", []int{1, 2}},
		{"a[1, 3]", []int{1, 3}},
		{"a[1、2]", []int{1, 2}},
		{"a【3】", []int{3}},
		{"a[2-4]", []int{2, 3, 4}},
		{"a[2][2]", []int{2}},
		{"〔2025〕 [2025]", nil},
		{"no citation", nil},
	}
	for _, tc := range tests {
		got, _ := citations(foldForTest(tc.in))
		if !slices.Equal(got, tc.want) {
			t.Errorf("citations(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestGuardFigureKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"50万元", []string{"元:500000"}},
		{"五十万元", []string{"元:500000"}},
		{"伍拾万元", []string{"元:500000"}},
		{"一千五百万美元", []string{"美元:15000000"}},
		{"1,000万美元", []string{"美元:10000000"}},
		{"0.5亿元", []string{"元:50000000"}},
		{"一万五千元", []string{"元:15000"}},
		{"12%", []string{"%:12"}},
		{"百分之十二点五", []string{"%:12.5"}},
		{"2000平方米", []string{"平方米:2000"}},
		{"2000平米", []string{"平方米:2000"}},
		{"3个月", []string{"个月:3"}},
		{"三个月", []string{"个月:3"}},
		{"2027年12月31日", []string{"date:2027-12-31"}},
		{"二〇二七年十二月三十一日", []string{"date:2027-12-31"}},
		{"2027-12-31", []string{"date:2027-12-31"}},
		{"2025年3月", []string{"ym:2025-3"}},
		{"3月1日起", []string{"md:3-1"}},
		{"第6条", []string{"条:6"}},
		{"第二款", []string{"款:2"}},
		{"150万元", []string{"元:1500000"}},
		{"rmb 500,000", []string{"元:500000"}},
		{"2.5 million yuan", []string{"元:2500000"}},
		{"一家企业、一次性、万元", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, f := range scanFigures(foldForTest(tc.in)) {
			got = append(got, f.key)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("scanFigures(%q) keys = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseChinese(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"十二", 12, true}, {"二十", 20, true}, {"一百零五", 105, true}, {"一百五", 150, true},
		{"五十万", 500000, true}, {"一亿五千万", 150000000, true}, {"二〇二五", 2025, true},
		{"两", 2, true}, {"万", 0, false}, {"亿", 0, false}, {"十二点五", 12.5, true},
	}
	for _, tc := range tests {
		got, ok := parseChinese(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseChinese(%q) = %v, %v, want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// foldForTest folds the way CheckGenerated does before scanning.
func foldForTest(s string) string { return norm.Fold(s) }

// Amounts in Chinese numerals without a listed unit are figures too.
func TestCheckGeneratedChineseNumeralsWithoutUnit(t *testing.T) {
	ps := []Passage{{N: 1, Text: "首次认定为国家级专精特新“小巨人”企业的，给予50万元奖励；省级的奖励二十万元。"}}
	for _, answer := range []string{
		"国家级小巨人奖励五百万人民币[1]。",
		"国家级小巨人奖励五百万[1]。",
		"奖励一百万块[1]",
		"奖励十万余元[1]",
		"奖励为五成[1]",
	} {
		if err := CheckGenerated(answer, ps); !errors.Is(err, ErrUngrounded) {
			t.Errorf("CheckGenerated(%q) = %v, want ErrUngrounded", answer, err)
		}
	}
	for _, answer := range []string{"国家级小巨人奖励五十万元[1]。", "省级奖励二十万[1]，国家级五十万[1]。"} {
		if err := CheckGenerated(answer, ps); err != nil {
			t.Errorf("CheckGenerated(%q) = %v, want nil", answer, err)
		}
	}
}
