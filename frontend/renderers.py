from django.forms.renderers import DjangoTemplates


class BootstrapItaliaRenderer(DjangoTemplates):
    """Forms render as Bootstrap Italia markup, errors tied to their fields for screen readers."""

    form_template_name = "frontend/forms/form.html"
    field_template_name = "frontend/forms/field.html"
