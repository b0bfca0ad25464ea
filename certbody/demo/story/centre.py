"""The demo centre on its first day: staff, partner labs, clients with their makers and sites."""

from __future__ import annotations

from dataclasses import dataclass, field

from certbody.accounts.models import User
from certbody.accounts.services import user_create
from certbody.clients.models import Manufacturer, Organisation, ProductionSite
from certbody.clients.services import manufacturer_create, organisation_create, production_site_create
from certbody.core.roles import Role
from certbody.labs.services import lab_create
from certbody.schemes.models import ProductCategory

from ..data import CLIENTS, LABS, STAFF, make_uscc
from ..steps import Step


@dataclass
class ClientKit:
    organisation: Organisation
    user: User
    makers: list[tuple[Manufacturer, ProductionSite]] = field(default_factory=list)


class CentreSetup:
    """Mixin of DemoBuilder: `setup()` is the timeline's first step."""

    # --- the centre, its clients and labs ---------------------------------------------------------

    def setup(self) -> Step:
        admin = self._setup_staff()
        self._setup_labs(admin)
        self._setup_clients()
        return
        yield  # a generator: the timeline starts it

    def _setup_staff(self) -> User:
        """The centre's staff; the superuser first, who registers the others."""
        admin_spec = next(m for m in STAFF if m.superuser)
        admin = user_create(
            username=admin_spec.username,
            password=self.password,
            roles=[admin_spec.role],
            display_name=admin_spec.name,
            is_superuser=True,
            actor=None,
        )
        self.staff[admin.username] = admin
        for member in STAFF:
            if member.superuser:
                continue
            self.staff[member.username] = user_create(
                username=member.username,
                password=self.password,
                roles=[member.role],
                display_name=member.name,
                email=f"{member.username}@nfcc.example.cn",
                actor=admin,
            )
        return admin

    def _setup_labs(self, admin: User) -> None:
        """The partner labs and their users."""
        self._lab_categories: dict[str, tuple[str, ...]] = {}
        categories = {c.code: c for c in ProductCategory.objects.all()}
        for spec in LABS:
            lab = lab_create(
                actor=admin,
                name=spec.name,
                name_en=spec.name_en,
                accreditation_number=spec.accreditation,
                address=spec.address,
                categories=[categories[c] for c in spec.categories if c in categories],
            )
            user = user_create(
                username=spec.user,
                password=self.password,
                roles=[Role.LAB],
                display_name=spec.user_name,
                lab=lab,
                actor=admin,
            )
            self.labs[spec.key] = (lab, user)
            self._lab_categories[spec.key] = spec.categories

    def _setup_clients(self) -> None:
        """The client organisations with their manufacturers, sites and first user."""
        for spec in CLIENTS:
            organisation = organisation_create(
                actor=self.staff["market"],
                name=spec.name,
                name_en=spec.name_en,
                uscc=make_uscc(spec.region, spec.serial),
                address=spec.address,
                address_en=spec.address_en,
                city=spec.city,
                contact_name=spec.contact,
                contact_phone=spec.phone,
            )
            makers = []
            for site_spec in spec.sites:
                manufacturer = manufacturer_create(
                    actor=self.staff["market"],
                    organisation=organisation,
                    name=site_spec.manufacturer,
                    name_en=site_spec.manufacturer_en,
                    address=site_spec.manufacturer_address,
                )
                site = production_site_create(
                    actor=self.staff["market"],
                    manufacturer=manufacturer,
                    name=site_spec.site,
                    address=site_spec.site_address,
                )
                makers.append((manufacturer, site))
            user = user_create(
                username=spec.user,
                password=self.password,
                roles=[Role.CLIENT],
                display_name=spec.user_name,
                organisation=organisation,
                actor=self.staff["market"],
            )
            self.clients[spec.key] = ClientKit(organisation, user, makers)
