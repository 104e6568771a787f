-- Nothing but a test ever called it: a claimed event key is never given back.
drop function event_release(text);
