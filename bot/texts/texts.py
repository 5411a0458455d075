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
        "zh": "楼组助手 用法（# 话题格式或 / 命令均可）：\n{commands}\n/lang zh|en — 切换语言\n"
        "群里的普通消息需要机器人是管理员（或关闭隐私模式）才能看到；/命令 总能送达。更多用法：",
        "en": "Building assistant usage:\n{commands}\n/lang zh|en — language\n"
        "The bot sees plain group messages only as a group admin (or with privacy mode off); "
        "/commands always reach it. More:",
    },
    "help.general": {
        "zh": "/help · #帮助 — 查看用法\n/lang zh|en — 切换语言（群里：楼组长或居委切换本群）",
        "en": "/help — this usage\n/lang zh|en — language (in a group: a floor leader or the committee sets the group's)",
    },
    "help.short.resident": {
        "zh": "#配药 布洛芬 2盒 — 登记配药\n#接龙 3 2 — 团购3 要2份（或回复团购消息 +2）\n"
        "#登记 3号楼502 — 登记户号\n#我的 — 我的户号和身份\n#报到 姓名 技能 — 申请做志愿者",
        "en": "/med ibuprofen 2 boxes — request medicine\n/order 3 2 — 2 in group buy 3 (or reply +2 to its message)\n"
        "/register 3-502 — register your household\n/me — your household and role\n/volunteer Name skills — apply as a volunteer",
    },
    "help.short.volunteer": {
        "zh": "#认领 12 — 认领配药单\n#已购 12 86.5元 · #已送达 12 — 已购、已送达\n#配药清单 — 配药清单（私聊）\n"
        "#签到 核酸 2号门 · #签退 — 上岗、下岗\n#平安 3-502 — 报平安",
        "en": "/claim 12 — take request 12\n/bought 12 86.5 · /delivered 12 — bought, delivered\n/medlist — the hospital run list (private)\n"
        "/checkin nucleic gate2 · /checkout — start and end a shift\n/safe 3-502 — today's check",
    },
    "help.short.leader": {
        "zh": "#开团 蔬菜包 68元/份 截止20:00 — 开团\n#截单 3 · #团购汇总 3 — 截单、汇总\n"
        "回复申请 #通过 — 通过志愿者、家人\n#关爱 3-502 独居老人 — 关爱名单\n#配药清单 — 本楼配药清单（私聊）",
        "en": "/groupbuy Veg-box 68/box 20:00 — open a group buy\n/close 3 · /orders 3 — close it, its summary\n"
        "/approve (as a reply) — approve a volunteer or a household member\n/care 3-502 elderly alone — the care roster\n"
        "/medlist — your building's hospital run list (private)",
    },
    "help.short.committee": {
        "zh": "#绑定 3号楼 · #绑定 居委 — 绑定本群\n回复某人 #楼组长 — 任命楼组长\n#通知 … · #辟谣 … — 通知、辟谣\n"
        "#日报 · /export — 日报、导出表格\n/purge — 疫情结束后清除个人信息",
        "en": "/bind 3 · /bind committee — bind this chat\n/leader (as a reply) — appoint a floor leader\n"
        "/notice … · /rumor … — notices, rebuttals\n/digest · /export — the daily report, spreadsheets\n"
        "/purge — delete personal data when the emergency is over",
    },
    "help.button.med": {"zh": "配药", "en": "Medicine"},
    "help.button.gb": {"zh": "团购", "en": "Group buys"},
    "help.button.vol": {"zh": "志愿者", "en": "Volunteers"},
    "help.button.care": {"zh": "关爱", "en": "Care"},
    "help.button.notice": {"zh": "通知", "en": "Notices"},
    "sep": {"zh": "、", "en": ", "},
    "error.apology": {
        "zh": "抱歉，处理出错了，已记录。请稍后再试。",
        "en": "Sorry, something went wrong and it has been logged. Please try again shortly.",
    },
    "error.after_stored": {
        "zh": "已收到并记录，不用重发。回复时出了点问题，已记录。",
        "en": "Received and recorded; no need to send it again. Something went wrong with the reply and it has been logged.",
    },
    "fold.summary": {
        "zh": "本群消息较多，刚才 {count} 条消息的回复合并在这里：{recorded} 条已记录，不用重发；{not_done} 条未能办理（格式或身份不对），发 /help 查看用法。",
        "en": "This group is busy, so the replies to the last {count} messages are merged here: {recorded} recorded, no need to send them again; {not_done} could not be done (wrong format or not allowed); send /help for usage.",
    },
    "error.storage": {
        "zh": "抱歉，数据库暂时不可用，您的消息未被记录，请稍后重发。",
        "en": "Sorry, the database is unavailable right now; your message was not recorded. Please send it again later.",
    },
    "button.gone": {
        "zh": "这个按钮已失效，请用最新消息下的按钮。",
        "en": "This button no longer works; use the one under the newest message.",
    },
    "parse.bad": {"zh": "没看懂这条指令。正确格式：\n{usage}", "en": "I could not read that. The form is:\n{usage}"},
    "parse.unknown": {
        "zh": "没有这个指令。发送 /help 查看可用指令。",
        "en": "Unknown command. Send /help for the list.",
    },
    "parse.near_miss": {"zh": "您是不是要发 #{tag}？（或 /{command}）", "en": "Did you mean /{command}? (#{tag})"},
    "parse.group_only": {
        "zh": "这个指令要在楼组群里发：{usage}",
        "en": "Send this in your building's group chat: {usage}",
    },
    "parse.open_buys": {"zh": "进行中的团购：{buys}", "en": "Open group buys: {buys}"},
    "order.stray": {
        "zh": "请回复团购消息 +1，或发 #接龙 编号 数量",
        "en": "Reply +1 to the group buy's message, or send /order NUMBER QUANTITY",
    },
    "parse.not_built": {
        "zh": "这个功能还在开发中，暂时不能使用。发送 /help 查看已有功能。",
        "en": "That feature is not built yet. Send /help for what works today.",
    },
    "anonymous": {
        "zh": "请以个人身份发言（关闭“匿名管理员”）：机器人需要知道是谁在操作。",
        "en": "Please post as yourself (turn off 'remain anonymous'): the bot needs to know who is acting.",
    },
    "refused.committee": {
        "zh": "只有居委可以这样做。需要的话请在居委群里说，或请本楼楼组长转告居委。",
        "en": "Only the residents' committee may do that. Ask in the committee's chat, or ask your floor leader to pass it on.",
    },
    "refused.leader": {
        "zh": "只有本楼楼组长或居委可以这样做。请找本楼楼组长（不知道是谁，可在楼组群里问）。",
        "en": "Only this building's floor leader or the committee may do that. Ask your floor leader "
        "(ask in the building's group if you do not know who it is).",
    },
    "refused.volunteer": {
        "zh": "只有服务本楼的志愿者、本楼楼组长或居委可以这样做。请找本楼楼组长安排。",
        "en": "Only volunteers serving this building, its floor leader or the committee may do that. "
        "Ask this building's floor leader.",
    },
    "refused.apply": {
        "zh": "这需要志愿者身份：在楼组群发 #报到 姓名 技能 登记，楼组长确认后即可。",
        "en": "That needs a volunteer: send /volunteer Name skills in your building's group; once a floor leader "
        "approves it, you can.",
    },
    "refused.resident": {
        "zh": "请先登记户号：发 #登记 3号楼502 张三（楼号、房号、姓名），登记后再发一次即可。",
        "en": "Please register your household first: send /register 3-502 Name (building-room and your name), "
        "then send this again.",
    },
    "refused.household": {
        "zh": "只有该户已登记的家人、本楼楼组长或居委可以通过。请让家人或楼组长点 ✅。",
        "en": "Only a registered member of that household, the building's floor leader or the committee may approve. "
        "Ask a member of that household or the floor leader to press ✅.",
    },
    "refused.requester": {
        "zh": "只有登记人本人、楼组长或居委可以这样做。请找登记人，或请本楼楼组长处理。",
        "en": "Only the requester, a floor leader or the committee may do that. Ask the requester, or this "
        "building's floor leader.",
    },
    "refused.own_home": {
        "zh": "只能为自己家配药；替邻居配药请找楼组长或志愿者。",
        "en": "You can only ask for your own household; for a neighbour, ask a floor leader or a volunteer.",
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
    "privacy.blind": {
        "zh": "⚠️ 机器人现在看不到本群的普通消息（如 #配药、#接龙），只收得到 / 开头的命令。请群主或居委二选一：\n"
        "1. 把 @{bot} 设为本群管理员（最简单）；\n"
        "2. 或私聊 @BotFather 发送 /setprivacy，选 @{bot}，选 Disable，再把机器人移出本群、重新拉进来。",
        "en": "⚠️ I cannot see this group's plain messages (like #配药 or #接龙), only /commands. "
        "The group owner or the committee can fix it either way:\n"
        "1. make @{bot} an admin of this group (simplest), or\n"
        "2. in a private chat with @BotFather send /setprivacy, choose @{bot}, pick Disable, "
        "then remove the bot from this group and add it again.",
    },
    "privacy.here_ok": {"zh": "本群：机器人能看到全部消息 ✅", "en": "This group: I see every message ✅"},
    "privacy.here_blind": {
        "zh": "本群：机器人只看得到 / 命令 ⚠️ 请把 @{bot} 设为本群管理员。",
        "en": "This group: I see only /commands ⚠️ Make @{bot} an admin here.",
    },
    "privacy.all_ok": {
        "zh": "已绑定的 {count} 个群：机器人都能看到全部消息 ✅",
        "en": "All {count} bound chats: I see every message ✅",
    },
    "privacy.some_blind": {
        "zh": "这些群里机器人只看得到 / 命令 ⚠️（请在群里把 @{bot} 设为管理员）：{chats}",
        "en": "In these chats I see only /commands ⚠️ (make @{bot} an admin there): {chats}",
    },
    "register.done": {"zh": "已登记：{room}。", "en": "Registered: {room}."},
    "register.moved": {"zh": "已从 {old} 改登记到 {room}。", "en": "Moved from {old} to {room}."},
    "register.other": {"zh": "已为对方登记：{room}。", "en": "Registered them to {room}."},
    "register.elsewhere": {
        "zh": "⚠ 这是 {building} 号楼的群；如填错请重发。",
        "en": "⚠ This is building {building}'s group; if that is wrong, register again.",
    },
    "register.need_building": {
        "zh": "请写上楼号：#登记 3号楼502（本群还没有绑定楼号）。",
        "en": "Please add the building: /register 3-502 (this chat is not bound to a building).",
    },
    "register.asked": {
        "zh": "🏠 有人申请加入 {room}。请该户家人、楼组长或居委点 ✅ 通过（或回复本消息 #通过）；"
        "通过前看不到、也改不了该户的配药和团购。",
        "en": "🏠 Someone asks to join {room}. A member of that household, the floor leader or the committee: "
        "tap ✅ (or reply /approve to this message); until then they cannot see or change that household's requests or orders.",
    },
    "register.asked_note": {
        "zh": "有人在楼组群里申请加入您家 {room}。如是家人，请在群里点 ✅ 通过。",
        "en": "Someone in the building group asks to join your household {room}. If they live with you, tap ✅ there.",
    },
    "register.join_in_group": {
        "zh": "{room} 已有家人登记。请在楼组群里发送 #登记，由家人或楼组长通过。",
        "en": "{room} already has registered members. Send /register in your building's group, where a member "
        "or the floor leader approves it.",
    },
    "register.approve_button": {"zh": "✅ 通过", "en": "✅ Approve"},
    "register.joined": {"zh": "✅ 已加入 {room}。", "en": "✅ Joined {room}."},
    "register.joined_note": {
        "zh": "您已加入 {room}，现在可以为家里配药、接龙了。",
        "en": "You have joined {room}: you can now request medicine and order for your household.",
    },
    "register.err.no_request": {
        "zh": "没有找到待通过的加入申请。",
        "en": "There is no request to join waiting here.",
    },
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
    "phone.invalid": {"zh": "没能读出手机号。", "en": "That contact has no phone number I can read."},
    "purge.confirm": {
        "zh": "将删除所有姓名、手机号、住户登记、楼组长和志愿者身份、药品名称、备注和关爱名单，保留匿名统计。确定吗？",
        "en": "This deletes every name, phone number, who lives where, leader and volunteer roles, drug names, notes "
        "and the care roster, and keeps anonymous counts. Are you sure?",
    },
    "purge.yes": {"zh": "确认清除", "en": "Delete"},
    "purge.no": {"zh": "取消", "en": "Cancel"},
    "purge.cancelled": {"zh": "已取消，未删除任何数据。", "en": "Cancelled; nothing was deleted."},
    "purge.done": {
        "zh": "已清除 {phones} 个手机号、{names} 个姓名、{details} 份配药私密信息，匿名统计已保留。",
        "en": "Deleted {phones:phone number|phone numbers}, {names:name|names} and {details:private medicine detail|private medicine details}; "
        "anonymous counts are kept.",
    },
    "bot.added": {
        "zh": "大家好，我是楼组助手。请居委在本群发送 #绑定 3号楼（按实际楼号），居民发送 #登记 3号楼502 登记户号。",
        "en": "Hello, I am the building assistant. Committee: send /bind 3 (this building's number) here; residents: /register 3-502.",
    },
    "bot.back": {
        "zh": "楼组助手回来了，本群仍是 {building} 号楼的楼组群，之前的记录都在。",
        "en": "The building assistant is back; this is still building {building}'s group, with every record kept.",
    },
    "bot.back_committee": {
        "zh": "楼组助手回来了，本群仍接收居委日报。",
        "en": "The building assistant is back; this chat still receives the committee's daily report.",
    },
    # ------------------------------------------------------------------ medicine 配药
    "help.medicine": {
        "zh": "/med · #配药 布洛芬 2盒，二甲双胍 3盒 — 登记配药（急：#配药 急 …）\n"
        "/claim · #认领 12 — 志愿者认领\n/bought · #已购 12 86.5元 — 已购药\n/delivered · #已送达 12 — 已送达\n"
        "/cancel · #取消 12 — 取消\n/medlist · #配药清单 — 配药清单（私聊发送）",
        "en": "/med ibuprofen 2 boxes, metformin 3 — request medicine (urgent: /med urgent …)\n"
        "/claim 12 — volunteer takes request 12\n/bought 12 86.5 — bought, with the cost\n/delivered 12 — delivered\n"
        "/cancel 12 — cancel\n/medlist — the hospital run list (sent privately)",
    },
    "med.urgent_mark": {"zh": "🔴急 ", "en": "🔴URGENT "},
    "med.summary": {
        "zh": "{urgent}配药单 #{id} · {household} · {count} 项",
        "en": "{urgent}Request #{id} · {household} · {count:item|items}",
    },
    "med.status.pending": {"zh": "状态：待您确认", "en": "Status: awaiting your confirmation"},
    "med.status.open": {"zh": "状态：已确认，等待志愿者认领", "en": "Status: confirmed, waiting for a volunteer"},
    "med.status.claimed": {"zh": "状态：志愿者已认领", "en": "Status: claimed by a volunteer"},
    "med.status.bought": {"zh": "状态：已购药", "en": "Status: bought"},
    "med.status.delivered": {"zh": "状态：已送达", "en": "Status: delivered"},
    "med.status.cancelled": {"zh": "状态：已取消", "en": "Status: cancelled"},
    "med.check_list": {
        "zh": "请核对清单：无误请点 ✅ 确认；有误请直接修改原消息，或取消后重发。",
        "en": "Please check the list: tap ✅ if it is right; otherwise edit your original message, or cancel and resend.",
    },
    "med.ask_private": {
        "zh": "医保卡号、联系电话、备注请直接发在这个私聊里（只有认领的志愿者、楼组长和居委能看到）。把医保卡交给志愿者的，请写“交卡”。",
        "en": "Send your medical-insurance card number, phone and notes here in this private chat (only the volunteer who claims it, the floor leader and the committee can see them). Write 'hand over' if you give the card to the volunteer.",
    },
    "med.button.confirm": {"zh": "✅ 确认", "en": "✅ Confirm"},
    "med.button.cancel": {"zh": "✖ 取消", "en": "✖ Cancel"},
    "med.button.check": {"zh": "私聊核对清单", "en": "Check the list privately"},
    "med.button.details": {"zh": "私聊查看联系方式", "en": "See the details privately"},
    "med.button.medlist": {"zh": "私聊查看配药清单", "en": "Open the list privately"},
    "med.button.confirm_group": {"zh": "✅ 确认清单", "en": "✅ Confirm my list"},
    "med.check_private": {
        "zh": "已私信您核对清单；也可以直接点下方「✅ 确认清单」，清单只弹给您本人看。",
        "en": "I sent you the list privately; or tap “✅ Confirm my list” below: the list pops up for you only.",
    },
    "med.check_link": {
        "zh": "请点「✅ 确认清单」，清单只弹给您本人看；医保卡、电话请点「私聊核对清单」发给我。",
        "en": "Tap “✅ Confirm my list”: the list pops up for you only. Card number and phone: tap "
        "“Check the list privately” and send them to me.",
    },
    "med.confirmed_alert": {
        "zh": "✅ 已确认配药单 #{id}：\n{items}\n有误请修改原消息，或发 #取消 {id}。",
        "en": "✅ Request #{id} confirmed:\n{items}\nIf wrong, edit your message or send /cancel {id}.",
    },
    "med.more_items": {"zh": "…还有 {count} 项", "en": "…and {count} more"},
    "med.waiting": {"zh": "待确认 · 已等 {age}", "en": "awaiting confirmation · waiting {age}"},
    "med.age.minutes": {"zh": "{minutes} 分钟", "en": "{minutes} min"},
    "med.age.hours": {"zh": "{hours} 小时 {minutes} 分钟", "en": "{hours} h {minutes} min"},
    "med.waiting.leader": {
        "zh": "⏰ {urgent}配药单 #{id}（{household}）已等住户确认 {age}，志愿者还不能认领。"
        "请联系住户点群里该单下的「✅ 确认清单」，您也可以代为点击（清单只弹给您看）。",
        "en": "⏰ {urgent}Request #{id} ({household}) has waited {age} for the resident's confirmation; "
        "volunteers cannot claim it yet. Ask the resident to tap “✅ Confirm my list” under it in the group, "
        "or tap it yourself (the list pops up for you only).",
    },
    "med.waiting.group": {
        "zh": "⏰ {urgent}配药单 #{id}（{household}）已等确认 {age}：请 {household} 住户点该单下的「✅ 确认清单」。",
        "en": "⏰ {urgent}Request #{id} ({household}) has waited {age}: {household}, please tap "
        "“✅ Confirm my list” under it.",
    },
    "med.waiting.urgent": {
        "zh": "急单：志愿者可以直接 #认领 {id}，认领即确认。",
        "en": "Urgent: a volunteer may /claim {id} now; claiming confirms it.",
    },
    "nudge.med.remind": {
        "zh": "⏰ 您的配药单 #{id} 还没有确认：请点清单下的「✅ 确认清单」，确认后志愿者才能去买。",
        "en": "⏰ Your medicine request #{id} is not confirmed yet: tap “✅ Confirm my list” under its list, "
        "so a volunteer can buy it.",
    },
    "nudge.med.remind_group": {
        "zh": "{household} ⏰ 您的配药单 #{id} 还没有确认：请点该单下的「✅ 确认清单」，确认后志愿者才能去买。",
        "en": "{household} ⏰ your medicine request #{id} is not confirmed yet: tap “✅ Confirm my list” under it, "
        "so a volunteer can buy it.",
    },
    "nudge.med.duty": {
        "zh": "配药单 #{id} · {household} 加急，已等 {hours} 小时，请在岗志愿者 #认领 {id}",
        "en": "Request #{id} · {household} is urgent and has waited {hours:hour|hours}: volunteers on duty, /claim {id}",
    },
    "nudge.med.leader": {
        "zh": "⏰ 加急配药单 #{id}（{household}）已等 {hours} 小时仍无人认领，群里已提醒在岗志愿者。请安排志愿者 #认领 {id}。",
        "en": "⏰ Urgent request #{id} ({household}) has waited {hours:hour|hours} and nobody has claimed it; the "
        "volunteers on duty were reminded in the group. Please get a volunteer to /claim {id}.",
    },
    "med.kept_private": {
        "zh": "（电话、卡号和备注已私存，只有认领的志愿者、楼组长和居委能看到；请勿在群里发这些）",
        "en": "(phone, card number and notes were stored privately, for the claiming volunteer, the floor "
        "leader and the committee only; please don't post them in the group)",
    },
    "med.photo": {"zh": "配药单 #{id} 的处方照片", "en": "Prescription photo for request #{id}"},
    "med.updated": {
        "zh": "配药单 #{id} 已按修改更新（{count} 项）。",
        "en": "Request #{id} updated from your edit ({count:item|items}).",
    },
    "med.private_saved": {
        "zh": "配药单 #{id} 的私密信息已保存：医保卡 {card}，电话 {phone}，备注 {notes}{handed}",
        "en": "Private details for request #{id} saved: card {card}, phone {phone}, notes {notes}{handed}",
    },
    "med.card_handed": {"zh": "，将交卡给志愿者", "en": ", card handed to the volunteer"},
    "med.claimed": {
        "zh": "配药单 #{id}（{household}）已由志愿者认领。",
        "en": "Request #{id} ({household}) claimed by a volunteer.",
    },
    "med.details_link": {
        "zh": "请先私聊机器人，查看联系方式和医保卡信息。",
        "en": "Start a private chat with me to see the contact and card details.",
    },
    "med.no_details": {"zh": "（居民尚未提供医保卡或联系方式）", "en": "(no card number or contact given yet)"},
    "med.details": {
        "zh": "医保卡：{card}\n电话：{phone}\n备注：{notes}{handed}",
        "en": "Card: {card}\nPhone: {phone}\nNotes: {notes}{handed}",
    },
    "med.bought": {"zh": "配药单 #{id} 已购药，花费 {cost} 元。", "en": "Request #{id} bought, cost {cost} yuan."},
    "med.cost_added": {
        "zh": "配药单 #{id} 的花费已记为 {cost} 元。",
        "en": "Request #{id}: cost recorded as {cost} yuan.",
    },
    "med.delivered": {"zh": "配药单 #{id}（{household}）已送达。", "en": "Request #{id} ({household}) delivered."},
    "med.cancelled": {"zh": "配药单 #{id} 已取消。", "en": "Request #{id} cancelled."},
    "med.notify.claimed": {
        "zh": "您的配药单 #{id} 已有志愿者认领。",
        "en": "A volunteer has claimed your request #{id}.",
    },
    "med.notify.bought": {
        "zh": "您的配药单 #{id} 已购药（{cost} 元），稍后送达。",
        "en": "Your request #{id} is bought ({cost} yuan) and on its way.",
    },
    "med.notify.delivered": {
        "zh": "您的配药单 #{id} 已送到门口，请查收。",
        "en": "Your request #{id} is at your door.",
    },
    "med.notify.cancelled": {"zh": "配药单 #{id} 已取消。", "en": "Request #{id} was cancelled."},
    "med.notify.cost": {"zh": "您的配药单 #{id} 花费 {cost} 元。", "en": "Your request #{id} cost {cost} yuan."},
    "med.err.not_found": {"zh": "没有配药单 #{id}。", "en": "There is no request #{id}."},
    "med.err.edit_too_late": {
        "zh": "配药单 #{id} 已被认领，不能再改，请联系志愿者。",
        "en": "Request #{id} is already claimed; please contact the volunteer to change it.",
    },
    "med.err.cancelled": {"zh": "配药单 #{id} 已取消。", "en": "Request #{id} was cancelled."},
    "med.err.already_confirmed": {"zh": "配药单 #{id} 已确认过了。", "en": "Request #{id} is already confirmed."},
    "med.err.wrong_button": {"zh": "这个按钮已失效。", "en": "This button no longer works."},
    "med.err.pending": {
        "zh": "配药单 #{id} 还在等居民确认，暂不能认领。",
        "en": "Request #{id} is awaiting the resident's confirmation.",
    },
    "med.err.already_claimed": {"zh": "配药单 #{id} 已被其他志愿者认领。", "en": "Request #{id} is already claimed."},
    "med.err.not_claimed": {
        "zh": "配药单 #{id} 还没有被认领，请先 #认领 {id}。",
        "en": "Request #{id} is not claimed yet: /claim {id} first.",
    },
    "med.err.already_bought": {"zh": "配药单 #{id} 已经标记为已购。", "en": "Request #{id} is already marked bought."},
    "med.err.already_delivered": {"zh": "配药单 #{id} 已经送达。", "en": "Request #{id} is already delivered."},
    "med.err.cancel_bought": {
        "zh": "配药单 #{id} 的药已买好，不能取消，请联系志愿者。",
        "en": "Request #{id} is already bought and cannot be cancelled; contact the volunteer.",
    },
    "medlist.title": {
        "zh": "🏥 配药清单：{households} 户，{requests} 单",
        "en": "🏥 Hospital run: {households:household|households}, {requests:request|requests}",
    },
    "medlist.empty": {"zh": "目前没有待办的配药单。", "en": "No open requests."},
    "medlist.totals": {"zh": "— 药品合计（药房窗口用）—", "en": "— Totals per drug (for the pharmacy counter) —"},
    "medlist.slips": {"zh": "— 一人一档 —", "en": "— One slip per household —"},
    "medlist.card_with": {"zh": " · 医保卡在 {holder} 处", "en": " · card held by {holder}"},
    "medlist.cards_out": {"zh": "— 尚未归还的医保卡 —", "en": "— Cards not yet returned —"},
    "medlist.card_line": {"zh": "{household}：{holder} 持有（#{id}）", "en": "{household}: held by {holder} (#{id})"},
    "medlist.link": {
        "zh": "配药清单含住户信息，只私聊发送。请先私聊机器人。",
        "en": "The list names households, so it is sent privately only. Start a private chat with me first.",
    },
    # ------------------------------------------------------------------ group buys 团购
    "help.groupbuy": {
        "zh": "/groupbuy · #开团 蔬菜包 68元/份 截止20:00 起订30 — 楼组长开团（可加 整箱12、限购2）\n"
        "/order · #接龙 3 2 — 接龙（0 为退出），或回复团购消息 +2\n/close · #截单 3 — 截单\n"
        "/paid · #已付 3 3-502 — 标记已付\n/orders · #团购汇总 3 — 汇总、送货单、未下单住户\n"
        "/editbuy · #改团 3 截团 明晚8点 — 改价格、截团、起订、限购（接龙保留）\n/reopen · #再开团 3 — 已截单的团再开一轮",
        "en": "/groupbuy Veg-box 68/box 20:00 min30 — leader opens a buy (optional case12, limit2)\n"
        "/order 3 2 — order in buy 3 (0 withdraws), or reply +2 to its board\n/close 3 — close now\n"
        "/paid 3 3-502 — mark paid\n/orders 3 — totals, delivery list, households that did not order\n"
        "/editbuy 3 deadline tomorrow 20:00 — change price, deadline, min, limit (orders kept)\n"
        "/reopen 3 — the next round of a closed buy",
    },
    "gb.board_title": {"zh": "🛒 团购 #{id}：{title}{closed}", "en": "🛒 Group buy #{id}: {title}{closed}"},
    "gb.closed_mark": {"zh": "（已截单）", "en": " (closed)"},
    "gb.open_mark": {"zh": "（进行中）", "en": " (open)"},
    "gb.price": {"zh": "单价 {price} 元/{unit}", "en": "Price {price} yuan per {unit}"},
    "gb.pickup": {"zh": "取货：{pickup}", "en": "Pickup: {pickup}"},
    "gb.progress": {
        "zh": "已接龙 {households} 户，共 {total} {unit}",
        "en": "{households:household|households} ordered, {total} {unit} in all",
    },
    "gb.deadline": {"zh": "截止 {time}", "en": "Closes {time}"},
    "gb.min_short": {"zh": "起订 {minimum}：还差 {short} {unit}", "en": "Minimum {minimum}: {short} {unit} short"},
    "gb.min_reached": {"zh": "起订 {minimum}：已成团 ✅", "en": "Minimum {minimum}: reached ✅"},
    "gb.case_short": {
        "zh": "整箱 {size}：已满 {full} 箱，还差 {short} {unit} 凑满下一箱",
        "en": "Cases of {size}: {full} full, {short} {unit} short of the next full case",
    },
    "gb.case_full": {"zh": "整箱 {size}：正好 {full} 箱", "en": "Cases of {size}: exactly {full} full"},
    "gb.limit": {"zh": "每户限购 {limit} {unit}", "en": "At most {limit} {unit} per household"},
    "gb.more": {"zh": "……另有 {count} 户", "en": "… and {count:more household|more households}"},
    "gb.how_to_order": {
        "zh": "接龙：#接龙 {id} 数量（0 为退出），或回复本消息 +2",
        "en": "Order: /order {id} QUANTITY (0 withdraws), or reply +2 to this message",
    },
    "gb.ordered": {"zh": "团购 #{id}：{household} 现为 {quantity}", "en": "Buy #{id}: {household} now has {quantity}"},
    "gb.relay_done": {
        "zh": "团购 #{id}「{title}」：已导入 {count} 户，共 {total}",
        "en": "Buy #{id} '{title}': imported {count:household|households}, {total} in all",
    },
    "gb.relay_not_allowed": {
        "zh": "不能代接（非本楼或超限购）：{rooms}",
        "en": "Not taken (another building, or over the limit): {rooms}",
    },
    "gb.relay_unreadable": {
        "zh": "以下行没看懂，请单独接龙：",
        "en": "These lines could not be read; please order them separately:",
    },
    "gb.marked_paid": {"zh": "团购 #{id}：{household} 已付款。", "en": "Buy #{id}: {household} marked paid."},
    "gb.summary_title": {"zh": "📋 团购 #{id}「{title}」汇总{status}", "en": "📋 Buy #{id} '{title}' summary{status}"},
    "gb.summary_totals": {
        "zh": "合计 {total} {unit}，{households} 户，应收 {money} 元；已付 {paid} 户，未付 {unpaid} 户（{unpaid_money} 元）",
        "en": "Total {total} {unit}, {households:household|households}, {money} yuan due; {paid} paid, {unpaid} unpaid ({unpaid_money} yuan)",
    },
    "gb.summary_households": {"zh": "— 各户 —", "en": "— Per household —"},
    "gb.paid_mark": {"zh": "✅已付", "en": "✅paid"},
    "gb.unpaid_mark": {"zh": "未付", "en": "unpaid"},
    "gb.paid_topup": {
        "zh": "已付 {paid}{unit}，还需补 {money} 元",
        "en": "paid for {paid} {unit}, {money} yuan still to pay",
    },
    "gb.paid_refund": {"zh": "已付 {paid}{unit}，应退 {money} 元", "en": "paid for {paid} {unit}, refund {money} yuan"},
    "gb.called_off_note": {
        "zh": "⚠ 未成团：本团已取消，不收款；已付款的请退款。",
        "en": "⚠ Called off: this buy did not go ahead; nothing is owed and payments are refunded.",
    },
    "gb.below_minimum_note": {
        "zh": "⚠ 未达起订量（还差 {short} {unit}）：楼组长可按下方按钮取消本团（不收款）。",
        "en": "⚠ Below the minimum ({short} {unit} short): the floor leader may call it off with the button below.",
    },
    "gb.summary_delivery": {
        "zh": "— 送货单（按楼栋、单元、房号）—",
        "en": "— Delivery list (by building, unit, room) —",
    },
    "gb.building": {"zh": "{building}号楼：", "en": "Building {building}:"},
    "gb.not_ordered": {
        "zh": "— 花名册中未下单的 {count} 户 —",
        "en": "— {count:household|households} on the roster did not order —",
    },
    "gb.export_button": {"zh": "📄 导出表格（私聊）", "en": "📄 Export spreadsheet (private)"},
    "gb.export_private": {"zh": "请先私聊机器人，再点导出。", "en": "Start a private chat with me first, then export."},
    "nudge.gb.remind": {
        "zh": "⏰ 团购 #{id}「{title}」{time} 截团，还没接龙的住户：{households}。要的请 #接龙 {id} 数量。",
        "en": "⏰ Group buy #{id} '{title}' closes at {time}. Not joined yet: {households}. "
        "To join: /order {id} quantity.",
    },
    "gb.err.not_found": {"zh": "没有团购 #{id}。", "en": "There is no group buy #{id}."},
    "gb.err.closed": {"zh": "团购 #{id} 已截单，不能再接龙。", "en": "Group buy #{id} is closed; no more orders."},
    "gb.err.already_closed": {"zh": "团购 #{id} 已经截单了。", "en": "Group buy #{id} is already closed."},
    "gb.err.reopen_open": {
        "zh": "团购 #{id} 还在接龙，不用再开；要改条件发 #改团 {id} 截团 明晚8点。",
        "en": "Group buy #{id} is still open; to change its terms send /editbuy {id} deadline tomorrow 20:00.",
    },
    "gb.changed": {
        "zh": "团购 #{id} {title} 条件已更改（已接龙的都保留）：",
        "en": "Group buy #{id} {title} has new terms (orders are kept):",
    },
    "gb.changed_price": {"zh": "单价 {before} → {after} 元/{unit}", "en": "Price {before} → {after} yuan per {unit}"},
    "gb.changed_deadline": {"zh": "截止 {before} → {after}", "en": "Closes {before} → {after}"},
    "gb.changed_minimum": {"zh": "起订 {before} → {after}", "en": "Minimum {before} → {after}"},
    "gb.changed_limit": {"zh": "每户限购 {before} → {after}", "en": "At most per household {before} → {after}"},
    "gb.changed_none": {"zh": "（与原条件相同）", "en": "(the same as before)"},
    "gb.err.limit": {
        "zh": "团购 #{id} 每户限购 {limit} {unit}。",
        "en": "Group buy #{id} allows at most {limit} {unit} per household.",
    },
    "gb.err.other_building": {
        "zh": "团购 #{id} 只限 {building} 号楼。",
        "en": "Group buy #{id} is for building {building} only.",
    },
    "gb.err.no_title": {"zh": "没有进行中的团购「{title}」。", "en": "No open group buy called '{title}'."},
    "gb.err.relay_not_found": {
        "zh": "接龙里没有找到您家 {room} 的那一行。",
        "en": "Your household {room} is not in that relay.",
    },
    "gb.err.no_order": {"zh": "团购 #{id} 里没有 {room} 的订单。", "en": "{room} has no order in group buy #{id}."},
    "gb.paid_unconfirmed": {
        "zh": "已接龙：团购 #{id} {household}。付款由楼组长核对后标记（#已付）。",
        "en": "Order noted: group buy #{id}, {household}. The floor leader marks it paid once checked.",
    },
    "gb.kept_open": {"zh": "团购 #{id} 继续接龙。", "en": "Group buy #{id} stays open."},
    "gb.err.called_off": {"zh": "团购 #{id} 已经取消了。", "en": "Group buy #{id} was already called off."},
    "gb.err.no_open": {
        "zh": "这里现在没有进行中的团购。",
        "en": "There is no open group buy here right now.",
    },
    # ------------------------------------------------------------------ asking once 确认
    "ask.deadline": {
        "zh": "「{title}」截团时间：{when}？",
        "en": "'{title}' closes {when}?",
    },
    "ask.deadline_unread": {
        "zh": "「{title}」的截团时间「{words}」没看懂。请回复这条消息写上时间，例如 明天20:00。",
        "en": "I could not read the closing time '{words}' of '{title}'. Reply to this message with "
        "the time, e.g. tomorrow 20:00.",
    },
    "ask.deadline_reply": {
        "zh": "请回复这条消息写上「{title}」的截团时间，例如 明天20:00。",
        "en": "Reply to this message with the closing time of '{title}', e.g. tomorrow 20:00.",
    },
    "ask.deadline_again": {
        "zh": "这个时间没看懂（或已经过了）。请写成 明天20:00 或 4月13日18:00。",
        "en": "I could not read that time (or it has passed). Write it like tomorrow 20:00 or 4/13 18:00.",
    },
    "ask.which_buy": {"zh": "是哪一个团购？", "en": "Which group buy is this for?"},
    "ask.which_buy_unmatched": {
        "zh": "没有找到「{title}」团购，是下面哪一个？",
        "en": "No open group buy called '{title}'. Which one is it?",
    },
    "ask.button.yes": {"zh": "✅ 对", "en": "✅ Yes"},
    "ask.button.edit": {"zh": "✏️ 改时间", "en": "✏️ Change"},
    "ask.button.no_deadline": {"zh": "不设截团时间", "en": "No closing time"},
    "ask.button.keep_deadline": {"zh": "截团时间不变", "en": "Keep the closing time"},
    "ask.quantity": {
        "zh": "团购 #{id}「{title}」接龙 {quantity}{unit}？数量比平时大很多，请确认。",
        "en": "Group buy #{id} '{title}': {quantity} {unit}? That is far more than usual; please confirm.",
    },
    "ask.close_short": {
        "zh": "团购 #{id}「{title}」还差 {short}{unit} 才到起订量。要怎么办？",
        "en": "Group buy #{id} '{title}' is {short} {unit} short of its minimum. What should happen?",
    },
    "ask.dropped": {"zh": "好的，没有记录。", "en": "OK, nothing was recorded."},
    "ask.button.no": {"zh": "✖ 不对", "en": "✖ No"},
    "ask.button.close_anyway": {"zh": "仍然截单（按实际数量）", "en": "Close anyway (as ordered)"},
    "ask.button.call_off": {"zh": "取消本团（未成团，不收款）", "en": "Call it off (nothing owed)"},
    "ask.button.keep_open": {"zh": "继续接龙", "en": "Keep it open"},
    "ask.day.0": {"zh": "今天", "en": "today"},
    "ask.day.1": {"zh": "明天", "en": "tomorrow"},
    "ask.day.2": {"zh": "后天", "en": "the day after tomorrow"},
    "ask.err.gone": {"zh": "这个问题已经过期了。", "en": "That question is no longer open."},
    "ask.err.answered": {"zh": "已经回答过了。", "en": "Already answered."},
    "ask.err.not_yours": {
        "zh": "只有发这条消息的人可以回答。",
        "en": "Only the person who sent the message can answer.",
    },
    # ------------------------------------------------------------------ volunteers 志愿者
    "help.volunteers": {
        "zh": "/volunteer · #报到 李四 核酸 配送 — 申请做志愿者\n/approve · 回复申请 #通过 — 楼组长或居委：通过\n/checkin · #签到 核酸 2号门 — 上岗\n/checkout · #签退 — 下岗，计工时\n"
        "/onduty · #在岗 — 谁在岗\n/hours · #工时 — 今日和本周工时\n/volunteers · #志愿者名单 — 居委：按技能看志愿者\n"
        "/shift · #排班 核酸 明天7:00-11:00 4人 — 楼组长排班\n/takeshift · #认领班 5 — 认领排班\n/vacancies · #空缺 — 还缺人的班",
        "en": "/volunteer Name nucleic delivery — apply as a volunteer\n/approve (as a reply) — leader or committee: approve\n/checkin nucleic gate2 — start a shift\n/checkout — end it; hours are counted\n"
        "/onduty — who is on duty\n/hours — hours today and this week\n/volunteers — committee: volunteers by skill\n"
        "/shift nucleic tomorrow 7:00-11:00 4 — leader opens a slot\n/takeshift 5 — take slot 5\n/vacancies — slots still short",
    },
    "vol.registered": {"zh": "已登记为志愿者{skills}。谢谢您！", "en": "Registered as a volunteer{skills}. Thank you!"},
    "vol.applied": {
        "zh": "🙋 {name} 申请做志愿者{skills}。请楼组长或居委点 ✅ 通过（或回复本消息 #通过）；"
        "通过前不能签到、认领，也看不到住户信息。",
        "en": "🙋 {name} applies as a volunteer{skills}. Floor leader or committee: tap ✅ (or reply /approve "
        "to this message); until then they cannot check in, claim or see any household's details.",
    },
    "vol.apply_in_group": {
        "zh": "已收到您的志愿者申请{skills}。请在楼组群里发送 #报到，由楼组长或居委通过。",
        "en": "Your volunteer application is noted{skills}. Send /volunteer in your building's group, "
        "where a floor leader or the committee approves it.",
    },
    "vol.approve_button": {"zh": "✅ 通过", "en": "✅ Approve"},
    "vol.approved": {
        "zh": "✅ {name} 已通过，成为{scope}志愿者。",
        "en": "✅ {name} is approved as a volunteer for {scope}.",
    },
    "vol.scope.building": {"zh": "{building}号楼", "en": "building {building}"},
    "vol.scope.all": {"zh": "全小区", "en": "every building"},
    "vol.approved_note": {
        "zh": "您的志愿者申请已通过，现在可以 #签到、#认领 配药单了。谢谢您！",
        "en": "Your volunteer application is approved: you can now /checkin and /claim requests. Thank you!",
    },
    "vol.roster_waiting": {"zh": "待通过（{count}）：{names}", "en": "Awaiting approval ({count}): {names}"},
    "vol.checked_in": {"zh": "✅ 已签到：{task}{place}（{time}）", "en": "✅ Checked in: {task}{place} ({time})"},
    "vol.checked_out": {
        "zh": "已签退，本次 {hours} 小时。辛苦了！",
        "en": "Checked out: {hours:hour|hours} this shift. Thank you!",
    },
    "vol.capped": {
        "zh": "（超过 {max} 小时未签退，只按 {max} 小时计，已标记）",
        "en": "(open longer than {max} hours: counted as {max}, and flagged)",
    },
    "vol.auto_closed": {
        "zh": "您 {time} 开始的班已超过 {max} 小时未签退，已自动结束并标记。",
        "en": "Your shift from {time} ran past {max} hours without a check-out; it was closed and flagged.",
    },
    "vol.task_default": {"zh": "值班", "en": "duty"},
    "vol.onduty_title": {"zh": "在岗 {count} 人：", "en": "{count} on duty:"},
    "vol.onduty_line": {"zh": "{task}{place}：{name}（{time} 起）", "en": "{task}{place}: {name} (since {time})"},
    "vol.onduty_none": {"zh": "目前没有人在岗。", "en": "Nobody is on duty now."},
    "vol.hours_title": {"zh": "工时（今日 / 本周，小时）：", "en": "Hours (today / this week):"},
    "vol.hours_line": {"zh": "{name}：{today} / {week}", "en": "{name}: {today} / {week}"},
    "vol.hours_none": {"zh": "本周还没有工时记录。", "en": "No hours recorded this week."},
    "vol.roster_title": {"zh": "志愿者名单（按技能）：", "en": "Volunteers by skill:"},
    "vol.roster_line": {"zh": "{skill}（{count}）：{names}", "en": "{skill} ({count}): {names}"},
    "vol.slot": {
        "zh": "📅 排班 #{id}：{task} {start}–{end}，需 {headcount} 人（已报 {taken}）",
        "en": "📅 Slot #{id}: {task} {start}–{end}, {headcount} needed ({taken} taken)",
    },
    "vol.slot_button": {"zh": "🙋 我来", "en": "🙋 I'll go"},
    "vol.slot_taken": {
        "zh": "已认领排班 #{id}（{taken}/{headcount}）。",
        "en": "You took slot #{id} ({taken}/{headcount}).",
    },
    "vol.slot_reminder": {
        "zh": "⏰ 提醒：排班 #{id} {task} 将于 {start} 开始，请准时到岗。",
        "en": "⏰ Reminder: slot #{id} ({task}) starts at {start}.",
    },
    "vol.vacancies_title": {"zh": "还缺人的班：", "en": "Slots still short:"},
    "vol.vacancy_line": {
        "zh": "#{id} {task} {start}–{end} 还缺 {short} 人",
        "en": "#{id} {task} {start}–{end}: {short} more needed",
    },
    "vol.vacancies_none": {"zh": "所有排班都已满员。", "en": "Every slot is full."},
    "vol.err.on_duty": {
        "zh": "您已在岗（{since} 起）。下岗请先 #签退。",
        "en": "You are already on duty since {since}. /checkout first.",
    },
    "vol.err.not_on_duty": {"zh": "您当前不在岗。", "en": "You are not on duty."},
    "vol.err.no_slot": {"zh": "没有排班 #{id}。", "en": "There is no slot #{id}."},
    "vol.err.slot_over": {"zh": "排班 #{id} 已结束。", "en": "Slot #{id} is over."},
    "vol.err.slot_taken": {"zh": "您已在排班 #{id} 中。", "en": "You already took slot #{id}."},
    "vol.err.slot_full": {"zh": "排班 #{id} 已满员，谢谢！", "en": "Slot #{id} is full, thank you!"},
    "vol.err.approve_how": {
        "zh": "请回复志愿者的 #报到 消息（或机器人的申请消息）发送 #通过。",
        "en": "Reply /approve to the volunteer's application (theirs or the bot's message).",
    },
    "vol.err.no_application": {
        "zh": "没有找到待通过的志愿者申请：请对方先在群里发送 #报到 姓名 技能。",
        "en": "No volunteer application found: they should send /volunteer Name skills in the group first.",
    },
    "vol.err.already_approved": {"zh": "{name} 已经是志愿者了。", "en": "{name} is already a volunteer."},
    # ------------------------------------------------------------------ special care 特殊关爱
    "help.care": {
        "zh": "/care · #关爱 3-502 独居老人 — 楼组长：加入关爱名单\n/pair · 回复志愿者 #结对 3-502 — 结对\n/safe · #平安 3-502 — 报平安",
        "en": "/care 3-502 elderly alone — leader: add to the care roster\n/pair 3-502 (reply to a volunteer) — pair them\n/safe 3-502 — today's check",
    },
    "care.added": {"zh": "已加入关爱名单：{household}。", "en": "Added to the care roster: {household}."},
    "care.paired": {"zh": "{household} 已与志愿者 {name} 结对。", "en": "{household} is paired with volunteer {name}."},
    "care.pair_note": {
        "zh": "您已与 {household} 结对（{needs}）。请每天去看看，并发送 #平安 {household}。",
        "en": "You are paired with {household} ({needs}). Please check on them daily and send /safe {household}.",
    },
    "care.safe": {"zh": "✅ {household} 今日平安。", "en": "✅ {household} is safe today."},
    "care.already_safe": {"zh": "{household} 今天已报过平安。", "en": "{household} was already reported safe today."},
    "care.escalate.1": {
        "zh": "⚠ {household}（{needs}）今天还没有报平安，请去看看，然后发送 #平安 {household}。",
        "en": "⚠ {household} ({needs}) is not reported safe today. Please check, then send /safe {household}.",
    },
    "care.escalate.2": {
        "zh": "⚠ {household} 今天还没有报平安（已提醒结对志愿者），请楼组长确认。",
        "en": "⚠ {household} is not reported safe today (its volunteer was reminded). Floor leader, please check.",
    },
    "care.escalate.3": {
        "zh": "⚠ 居委请注意：{household} 今天还没有报平安（已提醒志愿者和楼组长）。",
        "en": "⚠ Committee: {household} is not reported safe today (volunteer and leader were reminded).",
    },
    "care.err.not_in_roster": {
        "zh": "{room} 不在关爱名单中，请先 #关爱 {room}。",
        "en": "{room} is not on the care roster: /care {room} first.",
    },
    "care.err.need_volunteer": {
        "zh": "请回复要结对的志愿者的消息，再发 #结对 {room}。",
        "en": "Reply to the volunteer's message with /pair {room}.",
    },
    "care.err.not_volunteer": {
        "zh": "只能与本楼已通过的志愿者结对：请对方先在群里发 #报到，楼组长或居委通过后再结对。",
        "en": "Only an approved volunteer of this building can be paired: they apply with /volunteer in the "
        "group first, and a floor leader or the committee approves.",
    },
    "care.err.paired_other": {
        "zh": "{household} 由其他志愿者结对，请由结对志愿者或楼组长报平安。",
        "en": "{household} is paired with another volunteer: they or the floor leader report it safe.",
    },
    "care.err.not_paired": {
        "zh": "{household} 还没有结对志愿者：请楼组长回复您的消息发 #结对 {household}。",
        "en": "{household} has no volunteer yet: the floor leader replies to your message with /pair {household}.",
    },
    # ------------------------------------------------------------------ chart
    "chart.title": {
        "zh": "近7天各楼配药单与团购订单（{start} 至 {end}）",
        "en": "Medicine requests and group-buy orders per building, {start} to {end}",
    },
    "chart.medicine": {"zh": "配药单", "en": "Medicine requests"},
    "chart.orders": {"zh": "团购订单", "en": "Group-buy orders"},
    "chart.building": {"zh": "{building}号楼", "en": "Bldg {building}"},
    "chart.empty": {"zh": "近7天暂无记录", "en": "Nothing recorded this week"},
    # ------------------------------------------------------------------ notices and rumors 通知 / 辟谣
    "help.bulletins": {
        "zh": "/notice · #通知 明早7点核酸 — 居委：通知各楼（#通知 每天07:00 … 为每日通知）\n/notices — 每日通知列表\n/notice_off 3 — 停止每日通知\n"
        "/rumor · #辟谣 标题 | 关键词: 词1,词2 | 内容 | 来源: … — 居委：辟谣\n/rumors — 生效的辟谣\n/rumor_off 3 — 撤下辟谣",
        "en": "/notice text — committee: post to every building group (/notice daily 07:00 text: every day)\n/notices — daily notices\n/notice_off 3 — stop one\n"
        "/rumor Title | keywords: a,b | rebuttal | source: … — committee: rebut a rumor\n/rumors — active rebuttals\n/rumor_off 3 — retire one",
    },
    "notice.post": {"zh": "📢 居委通知：{text}", "en": "📢 Committee notice: {text}"},
    "notice.sent": {
        "zh": "通知已发到 {count} 个楼组群。",
        "en": "Notice posted to {count:building group|building groups}.",
    },
    "notice.scheduled": {
        "zh": "每日通知 #{id} 已设置：每天 {time} 发到各楼组群。",
        "en": "Daily notice #{id} set: every day at {time} to every building group.",
    },
    "notice.none": {"zh": "没有每日通知。", "en": "No daily notices."},
    "notice.list_title": {"zh": "每日通知：", "en": "Daily notices:"},
    "notice.list_line": {"zh": "#{id} 每天 {time}：{text}", "en": "#{id} daily at {time}: {text}"},
    "notice.stopped": {"zh": "每日通知 #{id} 已停止。", "en": "Daily notice #{id} stopped."},
    "notice.err.not_found": {"zh": "没有生效的每日通知 #{id}。", "en": "No active daily notice #{id}."},
    "rumor.post": {"zh": "🛡 辟谣：{title}\n{content}", "en": "🛡 Rumor rebutted: {title}\n{content}"},
    "rumor.source": {"zh": "来源：{source}", "en": "Source: {source}"},
    "rumor.sent": {
        "zh": "辟谣 #{id} 已发到 {count} 个楼组群。",
        "en": "Rebuttal #{id} posted to {count:building group|building groups}.",
    },
    "rumor.superseded": {"zh": "已取代旧的辟谣 {ids}。", "en": "It supersedes {ids}."},
    "rumor.none": {"zh": "没有生效的辟谣。", "en": "No active rebuttals."},
    "rumor.list_title": {"zh": "生效的辟谣：", "en": "Active rebuttals:"},
    "rumor.list_line": {
        "zh": "#{id} {title}（关键词：{keywords}；{time}）",
        "en": "#{id} {title} (keywords: {keywords}; {time})",
    },
    "rumor.retired": {"zh": "辟谣 #{id} 已撤下。", "en": "Rebuttal #{id} retired."},
    "rumor.err.not_found": {"zh": "没有生效的辟谣 #{id}。", "en": "No active rebuttal #{id}."},
    # ------------------------------------------------------------------ WeChat 企业微信 robots and 接龙 text
    "wecom.time_format": {"zh": "%m月%d日 %H:%M", "en": "%b %d %H:%M"},
    "wecom.relay_title": {"zh": "#接龙 {id} {title}", "en": "#接龙 {id} {title}"},
    "wecom.relay_example": {"zh": "例：序号. 房号 数量{unit}", "en": "例: number. room quantity {unit}"},
    "wecom.buy_open": {"zh": "🛒 团购开始：{title}", "en": "🛒 Group buy open: {title}"},
    "wecom.buy_join": {
        "zh": "要的邻居请把房号和份数告诉楼组长，或在群接龙里写：房号 份数。",
        "en": "To join, tell your floor leader your room and how many, or add a line to the relay: room quantity.",
    },
    "wecom.buy_closed": {
        "zh": "🛒 团购已截单：{title}，共 {households} 户 {total}{unit}",
        "en": "🛒 Group buy closed: {title}, {households:household|households}, {total} {unit}",
    },
    "wecom.buy_called_off": {
        "zh": "🛒 团购未成团，取消：{title}（已付的退款）",
        "en": "🛒 Group buy called off: {title} (payments are refunded)",
    },
    "wecom.care": {
        "zh": "⚠️ 关爱提醒：{household} 今天到 {time} 还没有报平安，请安排人去看看。",
        "en": "⚠️ Care: {household} not reported safe today by {time}; please send someone to check.",
    },
    "wecom.bad_key": {
        "zh": "企业微信{robot}机器人的地址被拒绝（错误 {code}），发往那里的消息已停止。请在配置里换上新的机器人地址，然后重启。",
        "en": "The WeCom robot of {robot} was refused (error {code}); nothing more goes to it. "
        "Put its new webhook URL in the config and restart.",
    },
    "wecom.robot.committee": {"zh": "居委群", "en": "the committee's group"},
    "wecom.robot.building": {"zh": "{building}号楼群", "en": "building {building}'s group"},
    "wecom.relay_posted": {"zh": "（也已发到本楼企业微信群）", "en": "(also posted to the building's WeCom group)"},
    # ------------------------------------------------------------------ reports 日报
    "help.reports": {
        "zh": "/digest · #日报 — 居委：立即生成日报\n/export — 居委：私聊导出表格（可加日期 2026-04-01 2026-04-10）",
        "en": "/digest — committee: the daily report now\n/export — committee, private chat: spreadsheets (optional dates 2026-04-01 2026-04-10)",
    },
    "digest.title": {"zh": "📊 日报 {day}", "en": "📊 Daily report {day}"},
    "digest.unsafe": {"zh": "⚠ 未报平安 {count} 户：{households}", "en": "⚠ Not reported safe ({count}): {households}"},
    "digest.unsafe_count": {
        "zh": "⚠ 未报平安 {count} 户",
        "en": "⚠ {count:care household|care households} not reported safe",
    },
    "digest.urgent": {
        "zh": "🔴 加急配药未完成 {count} 单：{requests}",
        "en": "🔴 Urgent medicine requests not delivered ({count}): {requests}",
    },
    "digest.all": {"zh": "— 全部 —", "en": "— All buildings —"},
    "digest.medicine": {
        "zh": "配药：今日新增 {new}，待办 {open}（加急 {urgent}），今日送达 {delivered}，医保卡在外 {cards}",
        "en": "Medicine: {new} new today, {open} open ({urgent} urgent), {delivered} delivered today, {cards:card|cards} out",
    },
    "digest.groupbuys": {
        "zh": "团购：进行中 {open}，今日截单 {closed}，接龙 {ordered} 份，未收款 {unpaid} 元",
        "en": "Group buys: {open} open, {closed} closed today, {ordered} ordered, {unpaid} yuan unpaid",
    },
    "digest.volunteers": {
        "zh": "志愿者：在岗 {on_duty} 人，今日工时 {hours} 小时，排班还缺 {short} 人",
        "en": "Volunteers: {on_duty} on duty, {hours} hours today, slots short by {short}",
    },
    "digest.rumors": {"zh": "辟谣：今日 {count} 条", "en": "Rumors rebutted today: {count}"},
    "digest.building": {"zh": "— {building}号楼 —", "en": "— Building {building} —"},
    "digest.everyone_buys": {
        "zh": "— 居委统一团购 —\n  进行中 {open}，今日截单 {closed}",
        "en": "— The committee's buys for everyone —\n  open {open}, closed today {closed}",
    },
    "digest.building_title": {"zh": "📊 {building}号楼日报 {day}", "en": "📊 Building {building} report {day}"},
    "digest.chart_caption": {
        "zh": "近7天各楼配药单与团购订单",
        "en": "Medicine requests and group-buy orders per building, last 7 days",
    },
    "export.private_only": {
        "zh": "导出表格含住户信息，请私聊机器人发送 /export。",
        "en": "Exports name households: send /export in a private chat with me.",
    },
    "export.caption": {"zh": "{start} 至 {end}：{counts}", "en": "{start} to {end}: {counts}"},
    # the /export spreadsheet: sheet names and column headers (storage/reports.py EXPORTS)
    "export.sheet.medicine_requests": {"zh": "配药单", "en": "Medicine requests"},
    "export.sheet.groupbuy_orders": {"zh": "团购订单", "en": "Group-buy orders"},
    "export.sheet.shifts": {"zh": "志愿者值班", "en": "Shifts"},
    "export.sheet.care_checks": {"zh": "报平安", "en": "Care checks"},
    "export.col.id": {"zh": "编号", "en": "ID"},
    "export.col.household": {"zh": "户号", "en": "Household"},
    "export.col.status": {"zh": "状态", "en": "Status"},
    "export.col.urgent": {"zh": "加急", "en": "Urgent"},
    "export.col.items": {"zh": "药品", "en": "Items"},
    "export.col.cost_yuan": {"zh": "花费（元）", "en": "Cost (yuan)"},
    "export.col.created_at": {"zh": "登记时间", "en": "Created"},
    "export.col.delivered_at": {"zh": "送达时间", "en": "Delivered"},
    "export.col.buy_id": {"zh": "团购编号", "en": "Buy"},
    "export.col.title": {"zh": "品名", "en": "Item"},
    "export.col.quantity": {"zh": "数量", "en": "Quantity"},
    "export.col.unit": {"zh": "单位", "en": "Unit"},
    "export.col.price_yuan": {"zh": "单价（元）", "en": "Price (yuan)"},
    "export.col.due_yuan": {"zh": "应付（元）", "en": "Due (yuan)"},
    "export.col.paid": {"zh": "已付", "en": "Paid"},
    "export.col.ordered_at": {"zh": "接龙时间", "en": "Ordered"},
    "export.col.volunteer": {"zh": "志愿者", "en": "Volunteer"},
    "export.col.task": {"zh": "任务", "en": "Task"},
    "export.col.place": {"zh": "地点", "en": "Place"},
    "export.col.started_at": {"zh": "开始时间", "en": "Started"},
    "export.col.ended_at": {"zh": "结束时间", "en": "Ended"},
    "export.col.flagged": {"zh": "超时标记", "en": "Flagged"},
    "export.col.day": {"zh": "日期", "en": "Day"},
    "export.col.checked_at": {"zh": "报平安时间", "en": "Checked"},
    "lang.set": {"zh": "本群语言已设为中文。", "en": "This chat's language is now English."},
    "lang.set_own": {"zh": "您的语言已设为中文。", "en": "Your language is now English."},
    "lang.set_own_group": {
        "zh": "已把您自己的语言设为中文（私聊里，以及本群未设语言时用）；本群的语言只有楼组长或居委可以改。",
        "en": "Your own language is now English (in your private chat, and here while this group has none set); "
        "only a floor leader or the committee can change this group's language.",
    },
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
        "en": "/groupbuy Veg-box 68/box 20:00 min30 (optional case12, limit2)",
    },
    "order": {
        "zh": "#接龙 3 2（团购3 要2份；0 为退出），或回复团购消息 +2",
        "en": "/order 3 2 (buy 3, quantity 2; 0 withdraws), or reply +2 to the buy's message",
    },
    "reply_order": {"zh": "回复团购消息：+2", "en": "reply to the buy's message: +2"},
    "relay": {"zh": "#接龙 蔬菜包，下面每行：1. 3-502 2份", "en": "/order Veg-box, then lines like: 1. 3-502 2"},
    "close": {"zh": "#截单 3", "en": "/close 3"},
    "editbuy": {
        "zh": "#改团 3 截团 明晚8点（或 价格 30元、起订 20、限购 2，可写几项）",
        "en": "/editbuy 3 deadline tomorrow 20:00 (or price 30, min 20, limit 2; several at once)",
    },
    "reopen": {"zh": "#再开团 3（已截单的团购3 按原条件再开一轮）", "en": "/reopen 3 (closed buy 3 again, same terms)"},
    "relaytext": {"zh": "#接龙文本 3（团购3 的微信接龙文本）", "en": "/relaytext 3 (buy 3 as a WeChat relay)"},
    "paid": {"zh": "#已付 3 3-502", "en": "/paid 3 3-502"},
    "orders": {"zh": "#团购汇总 3", "en": "/orders 3"},
    "volunteer": {"zh": "#报到 李四 核酸 配送", "en": "/volunteer Name nucleic delivery"},
    "checkin": {"zh": "#签到 核酸 2号门", "en": "/checkin nucleic gate2"},
    "checkout": {"zh": "#签退", "en": "/checkout"},
    "onduty": {"zh": "#在岗", "en": "/onduty"},
    "hours": {"zh": "#工时", "en": "/hours"},
    "volunteers": {"zh": "#志愿者名单", "en": "/volunteers"},
    "approve": {"zh": "回复志愿者的申请：#通过", "en": "reply to a volunteer's application: /approve"},
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
    "export": {
        "zh": "/export 或 /export 2026-04-01 2026-04-10（居委，私聊）",
        "en": "/export or /export 2026-04-01 2026-04-10 (committee, private chat)",
    },
}
TEXTS.update({f"usage.{name}": entry for name, entry in USAGE.items()})

# The "/" menu's line per command (``menu.<name>``), also the meaning in the README's command reference.
MENU: dict[str, dict[str, str]] = {
    "help": {"zh": "查看用法", "en": "how to use the bot"},
    "lang": {
        "zh": "切换语言（群里：楼组长或居委切换本群）",
        "en": "language (in a group: a floor leader or the committee sets the group's)",
    },
    "register": {"zh": "登记户号", "en": "register your household"},
    "me": {"zh": "我的户号和身份", "en": "your household and role"},
    "bind": {"zh": "居委：绑定本群", "en": "committee: bind this chat"},
    "leader": {"zh": "居委：任命楼组长", "en": "committee: appoint a floor leader"},
    "purge": {"zh": "居委：疫情结束后清除个人信息", "en": "committee: delete personal data when the emergency is over"},
    "med": {"zh": "登记配药（急：#配药 急 …）", "en": "request medicine (urgent: /med urgent …)"},
    "claim": {"zh": "志愿者认领", "en": "volunteer: take a medicine request"},
    "bought": {"zh": "已购药", "en": "bought, with the cost"},
    "delivered": {"zh": "已送达", "en": "medicine delivered"},
    "cancel": {"zh": "取消", "en": "cancel a medicine request"},
    "medlist": {"zh": "配药清单（私聊发送）", "en": "the hospital run list (sent privately)"},
    "groupbuy": {"zh": "楼组长开团（可加 整箱12、限购2）", "en": "leader opens a buy (optional case12, limit2)"},
    "order": {
        "zh": "接龙（0 为退出），或回复团购消息 +2",
        "en": "order in buy 3 (0 withdraws), or reply +2 to its board",
    },
    "close": {"zh": "截单", "en": "close a group buy now"},
    "paid": {"zh": "标记已付", "en": "mark a household paid"},
    "orders": {"zh": "汇总、送货单、未下单住户", "en": "totals, delivery list, households that did not order"},
    "editbuy": {"zh": "改团购的价格、截团时间、起订或限购", "en": "change a buy's price, deadline, minimum or limit"},
    "reopen": {"zh": "已截单的团购再开一轮", "en": "open the next round of a closed buy"},
    "relaytext": {"zh": "团购的微信接龙文本", "en": "a buy as WeChat relay text"},
    "volunteer": {"zh": "申请做志愿者", "en": "apply as a volunteer"},
    "approve": {"zh": "楼组长或居委：通过", "en": "leader or committee: approve"},
    "checkin": {"zh": "上岗", "en": "start a shift"},
    "checkout": {"zh": "下岗，计工时", "en": "end a shift; hours are counted"},
    "onduty": {"zh": "谁在岗", "en": "who is on duty"},
    "hours": {"zh": "今日和本周工时", "en": "hours today and this week"},
    "volunteers": {"zh": "居委：按技能看志愿者", "en": "committee: volunteers by skill"},
    "shift": {"zh": "楼组长排班", "en": "leader opens a slot"},
    "takeshift": {"zh": "认领排班", "en": "take a shift slot"},
    "vacancies": {"zh": "还缺人的班", "en": "slots still short"},
    "care": {"zh": "楼组长：加入关爱名单", "en": "leader: add to the care roster"},
    "pair": {"zh": "结对", "en": "leader: pair a volunteer with a care household (as a reply)"},
    "safe": {"zh": "报平安", "en": "a care household is safe today"},
    "notice": {
        "zh": "居委：通知各楼（#通知 每天07:00 … 为每日通知）",
        "en": "committee: post to every building group (/notice daily 07:00 text: every day)",
    },
    "notices": {"zh": "每日通知列表", "en": "daily notices"},
    "notice_off": {"zh": "停止每日通知", "en": "stop a daily notice"},
    "rumor": {"zh": "居委：辟谣", "en": "committee: rebut a rumor"},
    "rumors": {"zh": "生效的辟谣", "en": "active rebuttals"},
    "rumor_off": {"zh": "撤下辟谣", "en": "retire a rebuttal"},
    "digest": {"zh": "居委：立即生成日报", "en": "committee: the daily report now"},
    "export": {
        "zh": "居委：私聊导出表格（可加日期 2026-04-01 2026-04-10）",
        "en": "committee, private chat: spreadsheets (optional dates 2026-04-01 2026-04-10)",
    },
}
TEXTS.update({f"menu.{name}": entry for name, entry in MENU.items()})
