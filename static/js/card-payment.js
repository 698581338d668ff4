// Card payment: Stripe.js turns the card element into a token in the browser; the
// form posts only the token. The same code runs against localstripe's stand-in.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("card-submit");

  form.addEventListener("submit", async function (event) {
    if (form.elements.card_token.value) return; // token already set: let it post
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    const result = await stripe.createToken(card);
    if (result.error) {
      errors.textContent = (result.error && result.error.message) || String(result.error);
      button.disabled = false;
      return;
    }
    form.elements.card_token.value = result.token.id;
    form.submit();
  });
})();
