"""Fill an empty site with a believable demo: creators, channels, tiers, courses,
upcoming live sessions, plus demo learner and moderator accounts.

Safe to run twice: people are matched by email and the content of a creator who
already has a channel is left alone. Everything is written through the services,
so the demo obeys the same rules as real users.
"""

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from content import services as content_services
from content.models import Access
from livestream.models import LiveSession
from livestream.services import session_schedule
from marketplace import services
from marketplace.models import Category, Channel, CreatorProfile, PublicationStatus
from moderation.permissions import MODERATORS_GROUP
from qa import services as qa_services

DEMO_PASSWORD = "demo-pass-2026"

# (email, display name, headline, bio, topics, channel, tiers, courses, sessions)
# channel: (title, slug, tagline, description, category, language, tags)
# tiers: [(name, price minor, currency, benefits)]
# courses: [(title, slug, summary, level, price minor, currency, tags)]
# sessions: [(title, days from now, hour UTC)]
CREATORS = [
    (
        "li.wei@demo.zhiliao",
        "李伟",
        "前阿里巴巴高级工程师，十年后端经验",
        "专注分布式系统与高并发架构，带过 30 人团队。",
        ["后端", "分布式系统", "Go"],
        (
            "高并发架构实战",
            "gaobingfa-jiagou",
            "从单体到百万 QPS 的真实演进",
            "每周一次直播拆解真实系统的架构决策，答疑你的设计难题。",
            "technology",
            "zh-hans",
            ["架构", "Go", "Redis"],
        ),
        [
            ("入门会员", 1900, "CNY", "每周直播回放\n社群答疑"),
            ("核心会员", 6900, "CNY", "全部直播与回放\n每月一次架构评审\n优先提问"),
        ],
        [
            (
                "Go 语言高并发编程",
                "go-gaobingfa",
                "从 goroutine 到生产级服务",
                "intermediate",
                19900,
                "CNY",
                ["Go", "并发"],
            ),
            (
                "Redis 设计与实战",
                "redis-shizhan",
                "缓存、锁与消息队列的正确姿势",
                "advanced",
                29900,
                "CNY",
                ["Redis"],
            ),
        ],
        [("直播：秒杀系统怎么设计", 2, 12), ("直播：读者架构答疑", 9, 12)],
    ),
    (
        "sarah.chen@demo.zhiliao",
        "Sarah Chen",
        "Staff ML engineer, ex-Google",
        "I build recommendation systems and teach practical machine learning.",
        ["Machine learning", "Python", "Recommender systems"],
        (
            "Practical Machine Learning",
            "practical-ml",
            "Ship models that work in production",
            "Live code-alongs, paper breakdowns and office hours for working engineers.",
            "technology",
            "en",
            ["Machine learning", "Python"],
        ),
        [
            ("Supporter", 500, "USD", "Monthly live Q&A\nReplays"),
            ("Practitioner", 1500, "USD", "All live sessions\nCode notebooks\nPriority questions"),
        ],
        [
            (
                "Recommender Systems from Scratch",
                "recsys-from-scratch",
                "Implicit feedback, ALS, EASE and evaluation",
                "intermediate",
                4900,
                "USD",
                ["Recommender systems"],
            ),
            (
                "Python for Data Work",
                "python-for-data",
                "The 20% of pandas you use daily",
                "beginner",
                0,
                "USD",
                ["Python"],
            ),
        ],
        [("Live: evaluating recommenders honestly", 3, 15)],
    ),
    (
        "zhang.min@demo.zhiliao",
        "张敏",
        "CFA 持证人，前券商研究员",
        "用普通人听得懂的话讲理财和资产配置。",
        ["理财", "基金", "资产配置"],
        (
            "普通人的理财课",
            "putongren-licai",
            "稳健配置，远离割韭菜",
            "每月直播解读市场，帮你搭建自己的资产配置。",
            "finance",
            "zh-hans",
            ["理财", "基金"],
        ),
        [("月度会员", 2900, "CNY", "每月市场解读直播\n会员群")],
        [
            (
                "基金定投 21 天",
                "jijin-dingtou",
                "从零开始的定投计划",
                "beginner",
                9900,
                "CNY",
                ["基金"],
            ),
            (
                "家庭资产配置",
                "jiating-zichan-peizhi",
                "保险、储蓄与投资的比例",
                "intermediate",
                19900,
                "CNY",
                ["资产配置"],
            ),
        ],
        [("直播：年终奖怎么配置", 4, 13)],
    ),
    (
        "james.okafor@demo.zhiliao",
        "James Okafor",
        "Former hedge fund PM, now teaching",
        "Markets, valuation and risk for curious professionals.",
        ["Investing", "Valuation"],
        (
            "Markets Decoded",
            "markets-decoded",
            "How professionals actually think about risk",
            "Weekly market breakdowns and valuation workshops.",
            "finance",
            "en",
            ["Investing", "Valuation"],
        ),
        [("Reader", 700, "USD", "Weekly notes"), ("Analyst", 2500, "USD", "Workshops\nModels")],
        [
            (
                "Valuation Bootcamp",
                "valuation-bootcamp",
                "DCF, comps and judgement",
                "intermediate",
                9900,
                "USD",
                ["Valuation"],
            )
        ],
        [("Live: reading an annual report", 5, 16)],
    ),
    (
        "wang.fang@demo.zhiliao",
        "王芳",
        "三甲医院营养科主治医师",
        "科学饮食，不迷信不焦虑。",
        ["营养", "健康饮食"],
        (
            "吃对每一餐",
            "chidui-meiyican",
            "医生讲的营养学",
            "家庭营养、控糖与体重管理。",
            "health",
            "zh-hans",
            ["营养", "控糖"],
        ),
        [("健康会员", 1500, "CNY", "每周营养直播\n食谱")],
        [
            (
                "控糖饮食 30 天",
                "kongtang-30",
                "糖尿病前期也能吃好",
                "beginner",
                6900,
                "CNY",
                ["控糖"],
            )
        ],
        [("直播：体检报告怎么看", 1, 11)],
    ),
    (
        "maria.lopez@demo.zhiliao",
        "Maria Lopez",
        "Physiotherapist and strength coach",
        "Strength training for desk workers, without injuries.",
        ["Fitness", "Mobility"],
        (
            "Strong at Any Desk",
            "strong-at-any-desk",
            "Fix your back, build real strength",
            "Live mobility sessions and programs for people who sit all day.",
            "health",
            "en",
            ["Fitness", "Mobility"],
        ),
        [("Member", 900, "USD", "Live classes\nPrograms")],
        [
            (
                "12-week Strength Base",
                "strength-base",
                "Your first real program",
                "beginner",
                3900,
                "USD",
                ["Fitness"],
            )
        ],
        [("Live: 20-minute desk mobility", 2, 17)],
    ),
    (
        "chen.jing@demo.zhiliao",
        "陈静",
        "北大中文系硕士，十年高考语文教研",
        "作文提分有方法。",
        ["高考", "作文"],
        (
            "高考作文提分营",
            "gaokao-zuowen",
            "结构、素材与表达",
            "每周批改与直播讲评。",
            "education",
            "zh-hans",
            ["高考", "作文"],
        ),
        [("学员", 3900, "CNY", "每周讲评直播\n作文批改一篇")],
        [("议论文结构 10 讲", "yilunwen-10", "从审题到结尾", "beginner", 0, "CNY", ["作文"])],
        [("直播：2027 高考作文预测", 6, 12)],
    ),
    (
        "david.kim@demo.zhiliao",
        "David Kim",
        "Maths teacher and olympiad coach",
        "Maths that makes sense.",
        ["Mathematics", "Olympiad"],
        (
            "Think Like a Mathematician",
            "think-like-a-mathematician",
            "Problem solving for curious students",
            "Weekly problem-solving sessions.",
            "education",
            "en",
            ["Mathematics"],
        ),
        [("Student", 800, "USD", "Weekly problem sets\nLive solutions")],
        [
            (
                "Olympiad Number Theory",
                "olympiad-number-theory",
                "From divisibility to proofs",
                "advanced",
                5900,
                "USD",
                ["Mathematics", "Olympiad"],
            )
        ],
        [("Live: problem-solving marathon", 8, 14)],
    ),
    (
        "liu.yang@demo.zhiliao",
        "刘洋",
        "连续创业者，两次公司被并购",
        "从 0 到 1 做产品与融资。",
        ["创业", "融资", "产品"],
        (
            "创业第一课",
            "chuangye-diyike",
            "少走弯路的实战经验",
            "融资、团队、产品的真实故事。",
            "business",
            "zh-hans",
            ["创业", "融资"],
        ),
        [("创业者会员", 9900, "CNY", "每月闭门直播\nBP 点评")],
        [
            (
                "天使轮融资全流程",
                "tianshilun-rongzi",
                "BP、估值与条款",
                "intermediate",
                39900,
                "CNY",
                ["融资"],
            )
        ],
        [("直播：BP 现场点评", 3, 12)],
    ),
    (
        "emma.wilson@demo.zhiliao",
        "Emma Wilson",
        "Product leader, 15 years in SaaS",
        "Product management and careers in tech.",
        ["Product management", "Careers"],
        (
            "The Product Room",
            "the-product-room",
            "Become the PM your team needs",
            "Case studies, interview prep and live critiques.",
            "business",
            "en",
            ["Product management", "Careers"],
        ),
        [
            ("Member", 1200, "USD", "Live critiques\nTemplates"),
            ("Mentee", 4900, "USD", "Monthly 1:1 group call\nCV review"),
        ],
        [
            (
                "PM Interview Playbook",
                "pm-interview-playbook",
                "Frameworks that interviewers respect",
                "intermediate",
                7900,
                "USD",
                ["Careers"],
            )
        ],
        [("Live: mock PM interview", 4, 18)],
    ),
    (
        "zhou.hao@demo.zhiliao",
        "周浩",
        "数据分析师，SQL 与 Excel 讲师",
        "职场数据分析从入门到精通。",
        ["数据分析", "SQL", "Excel"],
        (
            "职场数据分析",
            "zhichang-shuju-fenxi",
            "用数据说话",
            "SQL、Excel、可视化一条龙。",
            "technology",
            "zh-hans",
            ["SQL", "数据分析"],
        ),
        [("会员", 1900, "CNY", "每周直播\n练习数据集")],
        [
            (
                "SQL 必知必会",
                "sql-bizhi-bihui",
                "30 个真实业务查询",
                "beginner",
                4900,
                "CNY",
                ["SQL"],
            )
        ],
        [("直播：用 SQL 做留存分析", 5, 12)],
    ),
    (
        "anna.schmidt@demo.zhiliao",
        "Anna Schmidt",
        "Polyglot and language coach",
        "Learn Chinese and German with live conversation practice.",
        ["Chinese", "German", "Language learning"],
        (
            "Speak Mandarin Daily",
            "speak-mandarin-daily",
            "Conversation first, characters second",
            "Daily phrases, live speaking practice and HSK preparation.",
            "languages",
            "en",
            ["Chinese", "HSK"],
        ),
        [("Learner", 600, "EUR", "Live speaking practice\nVocabulary lists")],
        [
            (
                "HSK 3 in 12 Weeks",
                "hsk3-12-weeks",
                "Structured prep with live practice",
                "beginner",
                4500,
                "EUR",
                ["HSK"],
            )
        ],
        [("Live: ordering food in Chinese", 1, 18)],
    ),
]

LEARNER = ("learner@demo.zhiliao", "Demo Learner")
MODERATOR = ("moderator@demo.zhiliao", "Demo Moderator")


def _lessons(user: User, course, summary: str) -> None:
    """A free welcome lesson and a lesson with a free preview, published."""
    welcome = content_services.lesson_create(
        user=user,
        course=course,
        title="Welcome and how this course works",
        summary=summary,
        body=f"## Welcome\n\n{summary}\n\nEach week: one live session, one lesson, one exercise.",
    )
    deep_dive = content_services.lesson_create(
        user=user,
        course=course,
        title="Week 1: the core idea",
        summary="The idea everything else builds on.",
        access=Access.PREVIEW,
        body=(
            "## The core idea\n\nThe first part of this lesson is free to read.\n\n"
            "<!-- more -->\n\n## Worked example\n\nTicket holders read the worked "
            "example, the exercise and its solution here."
        ),
    )
    for lesson in (welcome, deep_dive):
        content_services.item_publish(user=user, item=lesson)


def _article(user: User, channel, tagline: str, description: str) -> None:
    article = content_services.article_create(
        user=user,
        channel=channel,
        title=f"{tagline}: what to expect here",
        summary=description,
        body=f"{description}\n\nFollow the channel for live sessions and new lessons.",
    )
    content_services.item_publish(user=user, item=article)


def _user(email: str, name: str, *, is_staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Fill the site with demo creators, channels, tiers, courses and sessions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has channels (used by `make run`).",
        )

    @transaction.atomic
    def handle(self, *args, if_empty=False, **options):
        if if_empty and Channel.objects.exists():
            self.stdout.write("The site already has content; demo data not added.")
            return
        categories = {c.slug: c for c in Category.objects.all()}
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        created = 0
        for email, name, headline, bio, topics, channel_spec, tiers, courses, sessions in CREATORS:
            user = _user(email, name)
            creator = getattr(user, "creator_profile", None) or services.creator_become(
                user=user, display_name=name, headline=headline, bio=bio, topics=topics
            )
            if creator.channels.exists():
                continue
            # Demo experts start verified (in real life a moderator approves their
            # application): their content publishes without waiting for review.
            CreatorProfile.objects.filter(pk=creator.pk).update(is_verified=True)
            title, slug, tagline, description, category, language, tags = channel_spec
            channel = services.channel_create(
                creator=creator,
                title=title,
                slug=slug,
                tagline=tagline,
                description=description,
                category=categories[category],
                language=language,
                tags=tags,
                status=PublicationStatus.PUBLISHED,
            )
            for tier_name, price, currency, benefits in tiers:
                services.tier_create(
                    channel=channel,
                    name=tier_name,
                    price_amount=price,
                    currency=currency,
                    benefits=benefits,
                )
            for c_title, c_slug, summary, level, price, currency, c_tags in courses:
                course = services.course_create(
                    channel=channel,
                    title=c_title,
                    slug=c_slug,
                    summary=summary,
                    description=f"{summary}\n\n{description}",
                    category=categories[category],
                    level=level,
                    language=language,
                    price_amount=price,
                    currency=currency,
                    tags=c_tags,
                    status=PublicationStatus.PUBLISHED,
                )
                _lessons(user, course, summary)
            first_tier = channel.tiers.order_by("price_amount")[0]
            _article(user, channel, tagline, description)
            qa_services.expert_settings_update(
                user=user,
                enabled=True,
                base_price=2000,
                currency=first_tier.currency,
                answer_hours=48,
            )
            for n, (s_title, days, hour) in enumerate(sessions):
                # The first session of each channel sells tickets, the second is
                # for subscribers: the demo shows both ways in.
                access: dict[str, Any] = {"access": LiveSession.Access.FREE}
                if n == 0:
                    access = {
                        "access": LiveSession.Access.TICKET,
                        "ticket_price_amount": 990,
                        "ticket_currency": first_tier.currency,
                    }
                elif n == 1:
                    access = {"access": LiveSession.Access.SUBSCRIBERS, "required_tier": first_tier}
                session_schedule(
                    user=user,
                    channel=channel,
                    title=s_title,
                    scheduled_start=now.replace(hour=hour) + timedelta(days=days),
                    **access,
                )
            created += 1

        _user(*LEARNER)
        moderator = _user(*MODERATOR, is_staff=True)
        # The group and its permissions come from moderation.permissions (post-migrate).
        moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))

        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {created} new creators."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        self.stdout.write(f"  learner    {LEARNER[0]}")
        self.stdout.write(f"  creator    {CREATORS[0][0]}")
        self.stdout.write(f"  moderator  {MODERATOR[0]}  (Django admin at /admin/)")
