"""The catalogue of user-facing texts, zh and en side by side, grouped by feature.

Placeholders use ``str.format`` names; a test checks that both languages exist for every key and
use the same placeholders.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ general
    "start": {
        "zh": "您好，我是楼组助手 🏠\n我帮楼组长、志愿者和居委在群里登记配药、团购接龙、志愿者签到，"
        "并每天汇总。发送 #帮助 或 /help 查看用法。",
        "en": "Hello, I am the building assistant 🏠\nI help floor leaders, volunteers and the "
        "residents' committee collect medicine requests, group-buy orders and volunteer check-ins, "
        "and report daily. Send /help for usage.",
    },
    "help": {
        "zh": "楼组助手 用法（# 话题格式或 / 命令均可）：\n{commands}\n"
        "群里的普通消息需要机器人是管理员（或关闭隐私模式）才能看到；/命令 总能送达。",
        "en": "Building assistant usage (hashtag or slash forms):\n{commands}\n"
        "The bot sees plain group messages only as a group admin (or with privacy mode off); "
        "/commands always reach it.",
    },
    "error.apology": {
        "zh": "抱歉，处理出错了，已记录。请稍后再试。",
        "en": "Sorry, something went wrong and it has been logged. Please try again shortly.",
    },
    "error.storage": {
        "zh": "抱歉，数据库暂时不可用，您的消息未被记录，请稍后重发。",
        "en": "Sorry, the database is unavailable right now; your message was not recorded. Please send it again later.",
    },
    "parse.bad": {"zh": "没看懂这条指令。正确格式：\n{usage}", "en": "I could not read that. The form is:\n{usage}"},
    "parse.unknown": {
        "zh": "没有这个指令。发送 /help 查看可用指令。",
        "en": "Unknown command. Send /help for the list.",
    },
    "parse.not_built": {
        "zh": "这个功能还在开发中，暂时不能使用。发送 /help 查看已有功能。",
        "en": "That feature is not built yet. Send /help for what works today.",
    },
    "help.general": {
        "zh": "/help · #帮助 — 查看用法\n/lang zh|en — 切换本群语言",
        "en": "/help — this usage\n/lang zh|en — this chat's language",
    },
    "anonymous": {
        "zh": "请以个人身份发言（关闭“匿名管理员”）：机器人需要知道是谁在操作。",
        "en": "Please post as yourself (turn off 'remain anonymous'): the bot needs to know who is acting.",
    },
    "refused.committee": {"zh": "只有居委可以这样做。", "en": "Only the residents' committee may do that."},
    "refused.leader": {
        "zh": "只有本楼楼组长或居委可以这样做。",
        "en": "Only this building's floor leader or the committee may do that.",
    },
    "refused.volunteer": {
        "zh": "只有志愿者、楼组长或居委可以这样做。",
        "en": "Only volunteers, floor leaders or the committee may do that.",
    },
    "refused.resident": {
        "zh": "请先登记户号：#登记 3号楼502",
        "en": "Please register your household first: /register 3-502",
    },
    "refused.requester": {
        "zh": "只有登记人本人、楼组长或居委可以这样做。",
        "en": "Only the requester, a floor leader or the committee may do that.",
    },
    # ------------------------------------------------------------------ roster
    "help.roster": {
        "zh": "/register · #登记 3号楼502 张三 — 登记户号\n/me · #我的 — 我的户号和身份\n"
        "/bind · #绑定 3号楼 / #绑定 居委 — 居委：绑定本群\n/leader · 回复某人 #楼组长 — 居委：任命楼组长\n"
        "/purge — 居委：疫情结束后清除个人信息",
        "en": "/register 3-502 Name — register your household\n/me — your household and role\n"
        "/bind 3 or /bind committee — committee: bind this chat\n/leader (as a reply) — committee: appoint a floor leader\n"
        "/purge — committee: delete personal data when the emergency is over",
    },
    "bind.private": {"zh": "请在楼组群里发送 #绑定 3号楼。", "en": "Send /bind 3 in the building's group chat."},
    "bind.building": {
        "zh": "本群已绑定为 {building} 号楼的楼组群。",
        "en": "This chat is now building {building}'s group.",
    },
    "bind.moved": {"zh": "（原为 {old} 号楼）", "en": "(it was building {old}'s)"},
    "bind.committee": {
        "zh": "本群已设为居委工作群，将收到每日汇总。",
        "en": "This chat is now the committee's chat and receives the daily report.",
    },
    "register.done": {"zh": "已登记：{room}。", "en": "Registered: {room}."},
    "register.moved": {"zh": "已从 {old} 改登记到 {room}。", "en": "Moved from {old} to {room}."},
    "register.other": {"zh": "已为对方登记：{room}。", "en": "Registered them to {room}."},
    "leader.need_reply": {
        "zh": "请回复要任命的人的消息，再发送 #楼组长。",
        "en": "Reply to the person's message with /leader.",
    },
    "leader.unbound": {
        "zh": "本群还没有绑定楼号，请居委先发送 #绑定 3号楼。",
        "en": "This chat is not bound to a building yet: /bind 3 first.",
    },
    "leader.done": {"zh": "已任命为 {building} 号楼楼组长。", "en": "Appointed floor leader of building {building}."},
    "leader.demoted": {
        "zh": "已撤销其 {building} 号楼楼组长身份。",
        "en": "No longer floor leader of building {building}.",
    },
    "role.committee": {"zh": "居委", "en": "committee"},
    "role.leader": {"zh": "{building}号楼楼组长", "en": "floor leader of building {building}"},
    "role.volunteer": {"zh": "志愿者", "en": "volunteer"},
    "role.resident": {"zh": "居民", "en": "resident"},
    "me": {"zh": "户号：{household}\n身份：{roles}", "en": "Household: {household}\nRole: {roles}"},
    "me.no_household": {"zh": "未登记（发送 #登记 3号楼502）", "en": "not registered (send /register 3-502)"},
    "me.sent_private": {"zh": "已私信发给您。", "en": "Sent to you privately."},
    "me.start_private": {
        "zh": "（先私聊机器人点“开始”，以后就能私信回复您）",
        "en": "(start a private chat with me so I can answer privately next time)",
    },
    "phone.link": {"zh": "私聊提供手机号", "en": "Give my phone number privately"},
    "phone.ask": {
        "zh": "如需志愿者联系您，请点下方按钮分享手机号。手机号只保存在系统里，不会出现在群里。",
        "en": "So a volunteer can reach you, tap the button below to share your phone number. It is stored, never shown in a group.",
    },
    "phone.button": {"zh": "📱 分享我的手机号", "en": "📱 Share my phone number"},
    "phone.saved": {
        "zh": "手机号已保存，只有为您服务的志愿者和居委能看到。",
        "en": "Saved. Only the volunteer serving you and the committee can see it.",
    },
    "phone.not_yours": {"zh": "请分享您自己的手机号。", "en": "Please share your own number."},
    "purge.confirm": {
        "zh": "将删除所有姓名和手机号，保留匿名统计。确定吗？",
        "en": "This deletes every name and phone number and keeps anonymous counts. Are you sure?",
    },
    "purge.yes": {"zh": "确认清除", "en": "Delete"},
    "purge.no": {"zh": "取消", "en": "Cancel"},
    "purge.cancelled": {"zh": "已取消，未删除任何数据。", "en": "Cancelled; nothing was deleted."},
    "purge.done": {
        "zh": "已清除 {phones} 个手机号、{names} 个姓名，匿名统计已保留。",
        "en": "Deleted {phones} phone numbers and {names} names; anonymous counts are kept.",
    },
    "bot.added": {
        "zh": "大家好，我是楼组助手。请居委在本群发送 #绑定 3号楼（按实际楼号），居民发送 #登记 3号楼502 登记户号。",
        "en": "Hello, I am the building assistant. Committee: send /bind 3 (this building's number) here; residents: /register 3-502.",
    },
    "lang.set": {"zh": "本群语言已设为中文。", "en": "This chat's language is now English."},
    "lang.usage": {"zh": "用法：/lang zh 或 /lang en", "en": "Usage: /lang zh or /lang en"},
}


# Usage lines shown when a command cannot be read: one per command of COMMANDS.md.
USAGE: dict[str, dict[str, str]] = {
    "start": {"zh": "/start", "en": "/start"},
    "help": {"zh": "#帮助 或 /help", "en": "/help"},
    "lang": {"zh": "/lang zh 或 /lang en", "en": "/lang zh or /lang en"},
    "bind": {"zh": "#绑定 3号楼 或 #绑定 居委（/bind 3 · /bind committee）", "en": "/bind 3 or /bind committee"},
    "register": {"zh": "#登记 3号楼502 张三（姓名可省略）", "en": "/register 3-502 Name (name optional)"},
    "leader": {
        "zh": "回复某人的消息：#楼组长（撤销：#楼组长 取消）",
        "en": "reply to someone: /leader (remove: /leader off)",
    },
    "me": {"zh": "#我的 或 /me", "en": "/me"},
    "purge": {"zh": "/purge（居委，需确认）", "en": "/purge (committee, asks to confirm)"},
    "med": {
        "zh": "#配药 布洛芬缓释胶囊 2盒，二甲双胍 3盒（加急：#配药 急 …；代登记：#配药 3-601 …）",
        "en": "/med ibuprofen 2 boxes, metformin 3 (urgent: /med urgent …; for a household: /med 3-601 …)",
    },
    "claim": {"zh": "#认领 12（12 是配药单号）", "en": "/claim 12 (the request number)"},
    "bought": {"zh": "#已购 12 86.5元", "en": "/bought 12 86.5"},
    "delivered": {"zh": "#已送达 12", "en": "/delivered 12"},
    "cancel": {"zh": "#取消 12", "en": "/cancel 12"},
    "medlist": {"zh": "#配药清单 或 /medlist", "en": "/medlist"},
    "groupbuy": {
        "zh": "#开团 蔬菜包 68元/份 截止20:00 起订30（可加 整箱12、限购2）",
        "en": "/groupbuy Veg-box 68/份 20:00 min30 (optional case12, limit2)",
    },
    "order": {
        "zh": "#接龙 3 2（团购3 要2份；0 为退出），或回复团购消息 +2",
        "en": "/order 3 2 (buy 3, quantity 2; 0 withdraws), or reply +2 to the buy's message",
    },
    "reply_order": {"zh": "回复团购消息：+2", "en": "reply to the buy's message: +2"},
    "relay": {"zh": "#接龙 蔬菜包，下面每行：1. 3-502 2份", "en": "/order Veg-box, then lines like: 1. 3-502 2"},
    "close": {"zh": "#截单 3", "en": "/close 3"},
    "paid": {"zh": "#已付 3 3-502", "en": "/paid 3 3-502"},
    "orders": {"zh": "#团购汇总 3", "en": "/orders 3"},
    "volunteer": {"zh": "#报到 李四 核酸 配送", "en": "/volunteer Name nucleic delivery"},
    "checkin": {"zh": "#签到 核酸 2号门", "en": "/checkin nucleic gate2"},
    "checkout": {"zh": "#签退", "en": "/checkout"},
    "onduty": {"zh": "#在岗", "en": "/onduty"},
    "shift": {"zh": "#排班 核酸 明天7:00-11:00 4人", "en": "/shift nucleic tomorrow 7:00-11:00 4"},
    "takeshift": {"zh": "#认领班 5", "en": "/takeshift 5"},
    "vacancies": {"zh": "#空缺", "en": "/vacancies"},
    "care": {"zh": "#关爱 3-502 独居老人", "en": "/care 3-502 elderly alone"},
    "pair": {"zh": "回复志愿者的消息：#结对 3-502", "en": "reply to a volunteer: /pair 3-502"},
    "safe": {"zh": "#平安 3-502", "en": "/safe 3-502"},
    "rumor": {
        "zh": "#辟谣 标题 | 关键词: 词1,词2 | 辟谣内容 | 来源: 街道公众号",
        "en": "/rumor Title | keywords: word1,word2 | rebuttal | source: District account",
    },
    "rumors": {"zh": "/rumors", "en": "/rumors"},
    "rumor_off": {"zh": "/rumor_off 3", "en": "/rumor_off 3"},
    "notice": {
        "zh": "#通知 明早7点核酸，请带身份证（每天：#通知 每天07:00 …）",
        "en": "/notice text (daily: /notice daily 07:00 text)",
    },
    "notices": {"zh": "/notices", "en": "/notices"},
    "notice_off": {"zh": "/notice_off 3", "en": "/notice_off 3"},
    "digest": {"zh": "#日报 或 /digest", "en": "/digest"},
    "export": {"zh": "/export（居委，私聊）", "en": "/export (committee, private chat)"},
}
TEXTS.update({f"usage.{name}": entry for name, entry in USAGE.items()})
