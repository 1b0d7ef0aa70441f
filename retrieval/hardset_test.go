package retrieval

// hardQuestions are paraphrases of questions about the bundled corpus,
// written for LEXICAL.md because the eval set is answered perfectly by every
// variant: colloquial wording, synonyms (酒店/饭店, 比赛/赛事, 仓库/海外仓),
// Chinese numerals for digits (十亿/10亿), abbreviations (信保). The labels
// are ours, from reading the corpus; the set is small (30) and only good
// for comparing variants, not as a quality claim.
var hardQuestions = []evalQuestion{
	{ID: "h01", Q: "公司拿到小巨人称号能给多少钱", Doc: "wz-mfg-2025", Article: intp(6)},
	{ID: "h02", Q: "买设备投资两千万以上有补贴吗", Doc: "wz-mfg-2025", Article: intp(3)},
	{ID: "h03", Q: "数字化改造花了600万，能补多少", Doc: "wz-mfg-2025", Article: intp(4)},
	{ID: "h04", Q: "我们厂评上了市级示范智能车间，有钱拿吗", Doc: "wz-mfg-2025", Article: intp(5)},
	{ID: "h05", Q: "营收首次过十亿有什么奖", Doc: "wz-mfg-2025", Article: intp(7)},
	{ID: "h06", Q: "绿色工厂认定后的奖金", Doc: "wz-mfg-2025", Article: intp(11)},
	{ID: "h07", Q: "节能降碳改造有没有补助", Doc: "wz-mfg-2025", Article: intp(11)},
	{ID: "h08", Q: "拿了中国质量奖给多少", Doc: "wz-mfg-2025", Article: intp(12)},
	{ID: "h09", Q: "制造业的奖励一年申报几次", Doc: "wz-mfg-2025", Article: intp(15)},
	{ID: "h10", Q: "去国外参展的费用能报销多少", Doc: "wz-com-2025", Article: intp(4)},
	{ID: "h11", Q: "出口信保保费能补一半吗", Doc: "wz-com-2025", Article: intp(5)},
	{ID: "h12", Q: "在海外租仓库有补助吗", Doc: "wz-com-2025", Article: intp(7)},
	{ID: "h13", Q: "离岸外包做到一千万美元奖励多少", Doc: "wz-com-2025", Article: intp(8)},
	{ID: "h14", Q: "外商投资到账1000万美元怎么奖励", Doc: "wz-com-2025", Article: intp(9)},
	{ID: "h15", Q: "被认定为省级跨国公司地区总部奖多少", Doc: "wz-com-2025", Article: intp(10)},
	{ID: "h16", Q: "品牌在吴中开内地首店有奖励吗", Doc: "wz-com-2025", Article: intp(11)},
	{ID: "h17", Q: "餐饮企业小升限有奖励吗", Doc: "wz-com-2025", Article: intp(12)},
	{ID: "h18", Q: "直播电商基地认定后奖励", Doc: "wz-com-2025", Article: intp(13)},
	{ID: "h19", Q: "商贸企业要满足什么条件才能享受商务政策", Doc: "wz-com-2025", Article: intp(2)},
	{ID: "h20", Q: "景区评上5A奖励多少", Doc: "wz-cst-2025", Article: intp(3)},
	{ID: "h21", Q: "四星级酒店能拿多少奖励", Doc: "wz-cst-2025", Article: intp(4)},
	{ID: "h22", Q: "办音乐节卖了两万张票能拿多少奖励", Doc: "wz-cst-2025", Article: intp(6)},
	{ID: "h23", Q: "组织国际级比赛奖励多少", Doc: "wz-cst-2025", Article: intp(7)},
	{ID: "h24", Q: "旅行社带团来住宿过夜有奖励吗", Doc: "wz-cst-2025", Article: intp(8)},
	{ID: "h25", Q: "文化企业升规奖励多少", Doc: "wz-cst-2025", Article: intp(11)},
	{ID: "h26", Q: "非遗工坊认定奖励", Doc: "wz-cst-2025", Article: intp(12)},
	{ID: "h27", Q: "文体旅政策的奖励什么时候申报", Doc: "wz-cst-2025", Article: intp(14)},
	{ID: "h28", Q: "引进大的文旅项目投资超过一亿有补助吗", Doc: "wz-cst-2025", Article: intp(5)},
	{ID: "h29", Q: "碳达峰方案有多少任务", Doc: "wz-meeting-2025-02-24"},
	{ID: "h30", Q: "常务会议研究了哪些森林防火工作", Doc: "wz-meeting-2025-02-24"},
}

func intp(n int) *int { return &n }
