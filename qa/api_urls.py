from django.urls import path

from qa import api

urlpatterns = [
    path("qa/quotes/", api.QuoteApi.as_view(), name="api_qa_quote"),
    path("qa/questions/", api.QuestionListApi.as_view(), name="api_qa_questions"),
    path("qa/questions/<int:pk>/", api.QuestionDetailApi.as_view(), name="api_qa_question"),
    path("qa/questions/<int:pk>/answer/", api.AnswerApi.as_view(), name="api_qa_answer"),
    path("qa/questions/<int:pk>/decline/", api.DeclineApi.as_view(), name="api_qa_decline"),
    path("qa/questions/<int:pk>/rate/", api.RateApi.as_view(), name="api_qa_rate"),
    path("qa/questions/<int:pk>/unlock/", api.UnlockApi.as_view(), name="api_qa_unlock"),
    path("qa/experts/", api.ExpertSearchApi.as_view(), name="api_qa_experts"),
    path("qa/similar/", api.SimilarQuestionsApi.as_view(), name="api_qa_similar"),
]
